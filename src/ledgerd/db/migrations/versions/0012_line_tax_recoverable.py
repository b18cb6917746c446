"""purchase lines say whether their tax is claimed back

Revision ID: 0012
Revises: 0011

`artefact_lines.tax_recoverable` and `payment_lines.tax_recoverable`: Sage's `tax_recoverable` of a purchase
invoice, purchase credit note or other payment line (Canada: false claims no input tax credit, the tax is part
of the cost; ledger/tax_accounts.py). Existing lines keep NULL, which posts as before: the tax is claimed.
Adding a nullable column rewrites no rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('artefact_lines', 'payment_lines'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('tax_recoverable', sa.Boolean(), nullable=True))


def downgrade() -> None:
    for table in ('payment_lines', 'artefact_lines'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('tax_recoverable')
