"""security hardening

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 03:03:14.550974

- Authorization codes are kept after their exchange (marked used, with the token family they started), so
  that a replay can be refused and the family revoked.
- `throttles`: sign-in and sign-up attempts per account and per client address (auth/throttle.py).
- `browser_sessions`: signed-in browsers, so that signing out ends a session on the server (web/session.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
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

    op.create_table('browser_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_browser_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_browser_sessions'))
    )
    with op.batch_alter_table('browser_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_browser_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('family_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_authorization_codes_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorization_codes_expires_at'))
        batch_op.drop_column('family_id')
        batch_op.drop_column('used_at')

    with op.batch_alter_table('browser_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_browser_sessions_user_id'))

    op.drop_table('browser_sessions')
    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttles_resets_at'))

    op.drop_table('throttles')
