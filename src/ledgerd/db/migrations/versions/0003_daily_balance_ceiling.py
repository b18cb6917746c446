"""daily balance ceiling

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00.000000

Each of Σ debit and Σ credit of one ledger account on one day stays below 3 x 10^10 (ledgerd.limits.BALANCE_LIMIT),
stored in cents: below 3,000,000,000,000. Summed over every day from 1900-01-01 to 9999-12-31 (2,958,464 days)
that is below 8.9 x 10^18, inside a signed 64-bit integer, so no balance, trial balance or report sum can
overflow on either engine (docs/limits.md). A posting that would pass it fails the CHECK and is refused.
On SQLite the table is rebuilt (batch mode); nothing refers to it and it has no triggers.
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

CEILING_CENTS = 3_000_000_000_000


def upgrade() -> None:
    with op.batch_alter_table('ledger_balances', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_ledger_balances_ceiling'), f"debit < {CEILING_CENTS} AND credit < {CEILING_CENTS}")


def downgrade() -> None:
    with op.batch_alter_table('ledger_balances', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_balances_ceiling'), type_='check')
