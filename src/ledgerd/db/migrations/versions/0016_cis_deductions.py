"""documents keep their CIS deduction figures; contacts keep their CIS details

Revision ID: 0016
Revises: 0015

`artefacts.cis_applicable_amount` and `base_currency_cis_applicable_amount`: the labour a GB CIS document's
deduction is taken from (NULL: the document is not CIS, Sage's `is_cis` false); `has_cis_labour` and
`has_cis_materials`: whether its lines name CIS labour or materials accounts. The deduction itself is the
withholding the documents already keep (0013). `contacts.cis_settings`: a GB contact's registered CIS name,
verification number and deduction rate (docs/decisions/cis.md). Existing rows get NULL and false: they show
and post exactly as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (SQLite too): a batch would rebuild `artefacts` without its counting triggers
    # (migration 0002).
    op.add_column('artefacts', sa.Column('cis_applicable_amount', sa.BigInteger(), nullable=True))
    op.add_column('artefacts', sa.Column('base_currency_cis_applicable_amount', sa.BigInteger(), nullable=True))
    op.add_column('artefacts', sa.Column('has_cis_labour', sa.Boolean(), server_default=sa.false(),
                                         nullable=False))
    op.add_column('artefacts', sa.Column('has_cis_materials', sa.Boolean(), server_default=sa.false(),
                                         nullable=False))
    op.add_column('contacts', sa.Column('cis_settings', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('contacts', 'cis_settings')
    for name in ('has_cis_materials', 'has_cis_labour', 'base_currency_cis_applicable_amount',
                 'cis_applicable_amount'):
        op.drop_column('artefacts', name)
