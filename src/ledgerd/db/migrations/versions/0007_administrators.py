"""administrators

Revision ID: 0007
Revises: 0006

`users.is_admin`: a ledgerd administrator may use the sandbox controls under /ledgerd/v1/admin (docs/sandbox.md).
Made with `ledgerd users create --admin` or `ledgerd users grant-admin`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_admin')
