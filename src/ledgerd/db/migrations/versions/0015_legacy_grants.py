"""old APIs' authorization codes and superseded refresh tokens

Revision ID: 0015
Revises: 0014

`authorization_codes.business_id`: the business the user chose for a v3 or v2 code (the token family's business);
`legacy_refresh_tokens`: the hashes of v3 and v2 refresh tokens a refresh replaced, with their family, so that a
superseded one presented again ends the family (auth/legacy_grants.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('legacy_refresh_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['token_families.id'],
                            name=op.f('fk_legacy_refresh_tokens_family_id_token_families'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_legacy_refresh_tokens'))
    )
    with op.batch_alter_table('legacy_refresh_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legacy_refresh_tokens_family_id'), ['family_id'], unique=False)
    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_id', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.drop_column('business_id')
    op.drop_table('legacy_refresh_tokens')
