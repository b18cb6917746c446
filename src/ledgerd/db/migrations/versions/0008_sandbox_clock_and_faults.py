"""sandbox clock and faults

Revision ID: 0008
Revises: 0007

- `sandbox_state`: one row every process of a deployment follows per request: the clock's setting (frozen at an
  instant, or running at an offset from the wall clock) and a version raised by every change of the clock or of
  the fault rules (sandbox/shared.py). Inserted here at version 0: the wall clock, no rules.
- `fault_rules`: the fault rules (sandbox/faults.py), with the counts of the calls each matched and answered, kept
  by every process in the database.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    state = op.create_table('sandbox_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('clock_frozen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clock_offset_us', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_state'))
    )
    op.bulk_insert(state, [{'id': 1, 'version': 0, 'clock_frozen_at': None, 'clock_offset_us': 0,
                            'updated_at': None}])
    op.create_table('fault_rules',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=True),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=80), nullable=True),
    sa.Column('business_id', sa.String(length=32), nullable=True),
    sa.Column('probability', sa.Float(), nullable=True),
    sa.Column('every', sa.Integer(), nullable=True),
    sa.Column('times', sa.Integer(), nullable=True),
    sa.Column('preset', sa.String(length=40), nullable=True),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=60), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('retry_after', sa.Integer(), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=False),
    sa.Column('drop', sa.Boolean(), nullable=False),
    sa.Column('matched', sa.BigInteger(), nullable=False),
    sa.Column('fired', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fault_rules')),
    sqlite_autoincrement=True
    )


def downgrade() -> None:
    op.drop_table('fault_rules')
    op.drop_table('sandbox_state')
