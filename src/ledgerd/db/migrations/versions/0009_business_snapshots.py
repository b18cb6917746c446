"""business snapshots

Revision ID: 0009
Revises: 0008

`business_snapshots`: named snapshots of a business's state (`ledgerd businesses snapshot`, docs/sandbox.md),
stored compressed in the database so every process of a deployment sees them; deleted with their business.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('business_snapshots',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('format_version', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('business_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_business_snapshots_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_snapshots')),
    sa.UniqueConstraint('business_id', 'name', name=op.f('uq_business_snapshots_business_id_name'))
    )
    with op.batch_alter_table('business_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_business_snapshots_business_id'), ['business_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('business_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_business_snapshots_business_id'))

    op.drop_table('business_snapshots')
