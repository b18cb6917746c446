"""request journal

Revision ID: 0010
Revises: 0009

`journal_entries`: every API, OAuth and admin request with its answer, the newest `LEDGERD_JOURNAL_SIZE` kept
(sandbox/journal.py, docs/sandbox.md "Request journal"). No foreign keys: an entry outlives what it names.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('journal_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('duration_ms', sa.Float(), nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('client_id', sa.String(length=80), nullable=True),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('business_id', sa.String(length=32), nullable=True),
    sa.Column('server', sa.String(length=200), nullable=False),
    sa.Column('request_headers', sa.Text(), nullable=False),
    sa.Column('request_body', sa.Text(), nullable=True),
    sa.Column('request_bytes', sa.Integer(), nullable=False),
    sa.Column('request_truncated', sa.Boolean(), nullable=False),
    sa.Column('response_headers', sa.Text(), nullable=False),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('response_bytes', sa.Integer(), nullable=False),
    sa.Column('response_truncated', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entries'))
    )


def downgrade() -> None:
    op.drop_table('journal_entries')
