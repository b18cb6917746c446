"""lookup ids within Sage's swagger

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 06:50:00

Two reference-list ids were longer than the `maxLength` Sage's swagger declares, and generated clients that
validate responses crashed on them: the French legal form `MICRO_ENTREPRISE` (16 > 15) is now
`MICROENTREPRISE`, the Spanish tax scheme `EQUIVALENCE_SURCHARGE` (21 > 20) `EQUIV_SURCHARGE`. Settings that
chose them are rewritten (they are kept in the JSON columns of `business_settings`).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# (JSON column, key, old id, new id)
RENAMED = (("business", "legal_form_type_id", "MICRO_ENTREPRISE", "MICROENTREPRISE"),
           ("financial", "tax_scheme_id", "EQUIVALENCE_SURCHARGE", "EQUIV_SURCHARGE"))
settings = sa.table("business_settings", sa.column("business_id", sa.String), sa.column("business", sa.JSON),
                    sa.column("financial", sa.JSON))


def _rename(forward: bool) -> None:
    bind = op.get_bind()
    for column, key, old, new in RENAMED:
        before, after = (old, new) if forward else (new, old)
        for business_id, raw in bind.execute(sa.select(settings.c.business_id, settings.c[column])):
            value: Any = json.loads(raw) if isinstance(raw, str) else raw
            if isinstance(value, dict) and value.get(key) == before:
                bind.execute(settings.update().where(settings.c.business_id == business_id)
                             .values({column: {**value, key: after}}))


def upgrade() -> None:
    _rename(forward=True)


def downgrade() -> None:
    _rename(forward=False)
