"""documents keep the IRPF withheld on them; Spanish businesses get IVA + recargo de equivalencia rates

Revision ID: 0013
Revises: 0012

`artefacts.withholding_tax_rate`, `withholding_tax_amount` and `base_currency_withholding_tax_amount`: Sage's
withholding of a Spanish sales or purchase invoice (IRPF; docs/decisions/spain.md). Existing documents carry
none: the rate stays NULL and the amounts 0, which is what they were shown and posted as before. Other payments
get `withholding_tax_rate` and `withholding_tax_amount` the same way.

Existing ES businesses get the three combined rates a new one is seeded with (regions/data/es/tax_rates.toml,
frozen here as they stand): IVA + recargo de equivalencia on one line. Their legacy ids continue the business's
tax-rate counter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_BANDS = {
    "ES_STANDARD": (("20.0", "2010-01-01", "2010-06-30"), ("22.0", "2010-07-01", "2012-08-31"),
                    ("26.2", "2012-09-01", None)),
    "ES_REDUCED": (("8.0", "2010-01-01", "2010-06-30"), ("9.0", "2010-07-01", "2012-08-31"),
                   ("11.4", "2012-09-01", None)),
    "ES_SUPER_REDUCED": (("4.5", "2010-01-01", None),),
}
_NAMES = {"ES_STANDARD": "General", "ES_REDUCED": "Reducido", "ES_SUPER_REDUCED": "Superreducido"}
_RATES = sa.table(
    'tax_rates', sa.column('id', sa.String), sa.column('business_id', sa.String), sa.column('name', sa.String),
    sa.column('agency', sa.String), sa.column('percentages', sa.JSON), sa.column('label_percentage', sa.Boolean),
    sa.column('is_visible', sa.Boolean), sa.column('retailer', sa.Boolean), sa.column('usage', sa.JSON),
    sa.column('address_regions', sa.JSON), sa.column('components', sa.JSON), sa.column('editable', sa.Boolean),
    sa.column('deleted', sa.Boolean), sa.column('legacy_id', sa.Integer),
    sa.column('created_at', sa.DateTime(timezone=True)), sa.column('updated_at', sa.DateTime(timezone=True)))
_BUSINESSES = sa.table('businesses', sa.column('id', sa.String), sa.column('country_id', sa.String))
_COUNTERS = sa.table('counters', sa.column('name', sa.String), sa.column('value', sa.Integer))


def _combined_rates() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    for business_id in conn.execute(sa.select(_BUSINESSES.c.id).where(_BUSINESSES.c.country_id == 'ES')).scalars():
        held = set(conn.execute(sa.select(_RATES.c.id).where(_RATES.c.business_id == business_id)).scalars())
        wanted = [base for base in _BANDS if f"{base}_WITH_RE" not in held and {base, f"{base}_RE"} <= held]
        if not wanted:
            continue
        counter = f"{business_id}:legacy:tax_rates"
        value = conn.execute(sa.select(_COUNTERS.c.value).where(_COUNTERS.c.name == counter)).scalar()
        top = max(value or 0, conn.execute(sa.select(sa.func.max(_RATES.c.legacy_id))
                                           .where(_RATES.c.business_id == business_id)).scalar() or 0)
        rows: list[dict[str, Any]] = [{
            "id": f"{base}_WITH_RE", "business_id": business_id, "name": f"{_NAMES[base]} + recargo de equivalencia",
            "agency": None, "percentages": [{"percentage": p, "from_date": start, "to_date": end}
                                            for p, start, end in _BANDS[base]],
            "label_percentage": True, "is_visible": True, "retailer": True, "usage": ["sales", "purchase"],
            "address_regions": [], "components": [base, f"{base}_RE"], "editable": False, "deleted": False,
            "legacy_id": top + n, "created_at": now, "updated_at": now} for n, base in enumerate(wanted, start=1)]
        conn.execute(_RATES.insert(), rows)
        if value is None:
            conn.execute(_COUNTERS.insert().values(name=counter, value=top + len(rows)))
        else:
            conn.execute(_COUNTERS.update().where(_COUNTERS.c.name == counter).values(value=top + len(rows)))


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (SQLite too): a batch would rebuild `artefacts` without its counting triggers
    # (migration 0002).
    op.add_column('artefacts', sa.Column('withholding_tax_rate', sa.BigInteger(), nullable=True))
    op.add_column('artefacts', sa.Column('withholding_tax_amount', sa.BigInteger(), server_default='0',
                                         nullable=False))
    op.add_column('artefacts', sa.Column('base_currency_withholding_tax_amount', sa.BigInteger(),
                                         server_default='0', nullable=False))
    op.add_column('payments', sa.Column('withholding_tax_rate', sa.BigInteger(), nullable=True))
    op.add_column('payments', sa.Column('withholding_tax_amount', sa.BigInteger(), server_default='0',
                                        nullable=False))
    _combined_rates()


def downgrade() -> None:
    # The combined rates stay: documents may name them, and a rate is never deleted from under a document.
    op.drop_column('payments', 'withholding_tax_amount')
    op.drop_column('payments', 'withholding_tax_rate')
    op.drop_column('artefacts', 'base_currency_withholding_tax_amount')
    op.drop_column('artefacts', 'withholding_tax_amount')
    op.drop_column('artefacts', 'withholding_tax_rate')
