"""credentials and tokens of the old APIs (v3, v2)

Revision ID: 0014
Revises: 0013

`app_legacy_credentials`: an app's own client id and secret for v3 and for v2 (with v2's signing secret);
`app_subscription_keys`: v3's developer-portal subscription keys (hashes); `legacy_access_tokens`: the opaque
60-minute access tokens of v3 and v2 (hashes). Token families and authorization codes say which old API they
belong to (`api`, NULL for v3.1) and families the business chosen when authorising (auth/legacy.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_legacy_credentials',
    sa.Column('app_id', sa.String(length=32), nullable=False),
    sa.Column('api', sa.String(length=2), nullable=False),
    sa.Column('client_id', sa.String(length=40), nullable=False),
    sa.Column('client_secret_hash', sa.String(length=64), nullable=False),
    sa.Column('signing_secret', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], name=op.f('fk_app_legacy_credentials_app_id_apps'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_legacy_credentials')),
    sa.UniqueConstraint('app_id', 'api', name=op.f('uq_app_legacy_credentials_app_id_api')),
    sa.UniqueConstraint('client_id', name=op.f('uq_app_legacy_credentials_client_id'))
    )
    with op.batch_alter_table('app_legacy_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_legacy_credentials_app_id'), ['app_id'], unique=False)

    op.create_table('app_subscription_keys',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('app_id', sa.String(length=32), nullable=False),
    sa.Column('slot', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], name=op.f('fk_app_subscription_keys_app_id_apps'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_app_subscription_keys'))
    )
    with op.batch_alter_table('app_subscription_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_subscription_keys_app_id'), ['app_id'], unique=False)

    op.create_table('legacy_access_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['token_families.id'],
                            name=op.f('fk_legacy_access_tokens_family_id_token_families'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_legacy_access_tokens'))
    )
    with op.batch_alter_table('legacy_access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legacy_access_tokens_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legacy_access_tokens_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('token_families', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('business_id', sa.String(length=32), nullable=True))
    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api', sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.drop_column('api')
    with op.batch_alter_table('token_families', schema=None) as batch_op:
        batch_op.drop_column('business_id')
        batch_op.drop_column('api')
    op.drop_table('legacy_access_tokens')
    op.drop_table('app_subscription_keys')
    op.drop_table('app_legacy_credentials')
