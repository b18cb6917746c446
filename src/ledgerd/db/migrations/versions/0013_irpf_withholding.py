"""documents keep the IRPF withheld on them

Revision ID: 0013
Revises: 0012

`artefacts.withholding_tax_rate`, `withholding_tax_amount` and `base_currency_withholding_tax_amount`: Sage's
withholding of a Spanish sales or purchase invoice (IRPF; docs/decisions/spain.md). Existing documents carry
none: the rate stays NULL and the amounts 0, which is what they were shown and posted as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('artefacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withholding_tax_rate', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('withholding_tax_amount', sa.BigInteger(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('base_currency_withholding_tax_amount', sa.BigInteger(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('artefacts', schema=None) as batch_op:
        batch_op.drop_column('base_currency_withholding_tax_amount')
        batch_op.drop_column('withholding_tax_amount')
        batch_op.drop_column('withholding_tax_rate')
