"""nonces of signed API v2 calls

Revision ID: 0017
Revises: 0016

`legacy_nonces`: the `X-Nonce` of each signed v2 call, hashed, per app, kept for a window so a replayed call is
refused (auth/nonces.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('legacy_nonces',
    sa.Column('app_id', sa.String(length=32), nullable=False),
    sa.Column('nonce_hash', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], name=op.f('fk_legacy_nonces_app_id_apps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('app_id', 'nonce_hash', name=op.f('pk_legacy_nonces'))
    )
    with op.batch_alter_table('legacy_nonces', schema=None) as batch_op:
        batch_op.create_index('ix_legacy_nonces_app_id_seen_at', ['app_id', 'seen_at'], unique=False)


def downgrade() -> None:
    op.drop_table('legacy_nonces')
