"""security hardening

Revision ID: 0003_security
Revises: 0002
Create Date: 2026-12-07 03:03:14.550974

- Authorization codes are kept after their exchange (marked used, with the token family they started), so
  that a replay can be refused and the family revoked.
- `throttles`: sign-in and sign-up attempts per account and per client address (auth/throttle.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_security'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('throttles',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('resets_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttles'))
    )
    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttles_resets_at'), ['resets_at'], unique=False)

    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('family_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_authorization_codes_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorization_codes_expires_at'))
        batch_op.drop_column('family_id')
        batch_op.drop_column('used_at')

    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttles_resets_at'))

    op.drop_table('throttles')
