"""artefact counts kept by triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:18:29.234139

`artefact_counts` holds how many documents of each kind a business has (ledgerd.artefacts.models.ArtefactCount).
Triggers keep it, so it is right whoever writes `artefacts` (the services, bulk loads, an operator's SQL):
an insert counts one more, a delete one less, a change of kind (quick entries, payments on account) moves
one from the old kind to the new. The count row is written in the same transaction as the document.
A later migration that rebuilds `artefacts` on SQLite (batch mode copies the table and drops the old one,
triggers included) must create these triggers again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_ADD = ("INSERT INTO artefact_counts (business_id, kind, documents) VALUES (NEW.business_id, NEW.kind, 1) "
        "ON CONFLICT (business_id, kind) DO UPDATE SET documents = artefact_counts.documents + 1;")
_REMOVE = ("UPDATE artefact_counts SET documents = documents - 1 "
           "WHERE business_id = OLD.business_id AND kind = OLD.kind;")
_TRIGGERS = ("trg_artefacts_counted_insert", "trg_artefacts_counted_delete", "trg_artefacts_counted_kind")


def upgrade() -> None:
    op.create_table('artefact_counts',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_artefact_counts_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('business_id', 'kind', name=op.f('pk_artefact_counts'))
    )
    with op.batch_alter_table('artefact_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_artefact_counts_business_id'), ['business_id'], unique=False)

    op.execute("INSERT INTO artefact_counts (business_id, kind, documents) "
               "SELECT business_id, kind, COUNT(*) FROM artefacts GROUP BY business_id, kind")
    insert, delete, kind = _TRIGGERS
    if op.get_bind().dialect.name == "postgresql":
        for name, body in ((insert, f"{_ADD} RETURN NULL;"), (delete, f"{_REMOVE} RETURN NULL;"),
                           (kind, f"{_REMOVE} {_ADD} RETURN NULL;")):
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$")
        op.execute(f"CREATE TRIGGER {insert} AFTER INSERT ON artefacts FOR EACH ROW EXECUTE FUNCTION {insert}()")
        op.execute(f"CREATE TRIGGER {delete} AFTER DELETE ON artefacts FOR EACH ROW EXECUTE FUNCTION {delete}()")
        op.execute(f"CREATE TRIGGER {kind} AFTER UPDATE OF kind ON artefacts FOR EACH ROW "
                   f"WHEN (OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION {kind}()")
    else:
        op.execute(f"CREATE TRIGGER {insert} AFTER INSERT ON artefacts BEGIN {_ADD} END")
        op.execute(f"CREATE TRIGGER {delete} AFTER DELETE ON artefacts BEGIN {_REMOVE} END")
        op.execute(f"CREATE TRIGGER {kind} AFTER UPDATE OF kind ON artefacts WHEN OLD.kind IS NOT NEW.kind "
                   f"BEGIN {_REMOVE} {_ADD} END")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON artefacts" if postgresql else f"DROP TRIGGER {name}")
        if postgresql:
            op.execute(f"DROP FUNCTION {name}()")
    with op.batch_alter_table('artefact_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_artefact_counts_business_id'))

    op.drop_table('artefact_counts')
