"""bank accounts' main address and person as records

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 15:45:00

Sage links a bank account's `main_address` and `main_contact_person` to `/addresses` and `/contact_persons`
records (its recorded bank accounts); ledgerd kept both as JSON on the bank account. Each becomes a row of
`addresses` (with `bank_account_id`, main) and of `contact_persons` (at that address, without a contact); every
bank account gets a main address, as a contact does. The rows draw their `legacy_id` from the business's
counters as any new record does. The JSON columns go.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

banks = sa.table("bank_accounts", sa.column("id", sa.String), sa.column("business_id", sa.String),
                 sa.column("created_at", sa.DateTime(timezone=True)), sa.column("main_address", sa.JSON),
                 sa.column("main_contact_person", sa.JSON))
addresses = sa.table("addresses", *(sa.column(c, sa.String) for c in (
    "id", "business_id", "contact_id", "bank_account_id", "address_type_id", "name", "address_line_1",
    "address_line_2", "city", "postal_code", "region", "country_id", "country_group_id")),
    sa.column("is_main_address", sa.Boolean), sa.column("legacy_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)), sa.column("updated_at", sa.DateTime(timezone=True)))
persons = sa.table("contact_persons", *(sa.column(c, sa.String) for c in (
    "id", "business_id", "contact_id", "address_id", "name", "job_title", "telephone", "mobile", "email", "fax")),
    sa.column("contact_person_type_ids", sa.JSON), sa.column("is_main_contact", sa.Boolean),
    sa.column("is_preferred_contact", sa.Boolean), sa.column("legacy_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)), sa.column("updated_at", sa.DateTime(timezone=True)))
counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.Integer))
TEXTS = ("name", "address_line_1", "address_line_2", "city", "postal_code", "region")
PERSON_TEXTS = ("job_title", "telephone", "mobile", "email", "fax")
JSON_COLUMNS = ("main_contact_person", "main_address")


def _json(raw: Any) -> dict[str, Any]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) else {}


def _next_legacy_id(bind: Any, business_id: str, table: str) -> int:
    name = f"{business_id}:legacy:{table}"
    current = bind.execute(sa.select(counters.c.value).where(counters.c.name == name)).scalar()
    if current is None:
        bind.execute(counters.insert().values(name=name, value=1))
        return 1
    bind.execute(counters.update().where(counters.c.name == name).values(value=current + 1))
    return int(current) + 1


def _insert_address(bind: Any, address_id: str, bank_id: str, business_id: str, created_at: Any,
                    address: dict[str, Any]) -> None:
    country = address.get("country_id")
    bind.execute(addresses.insert().values(
        id=address_id, business_id=business_id, contact_id=None, bank_account_id=bank_id,
        address_type_id=str(address.get("address_type_id") or "ACCOUNTS").upper(),
        **{key: address.get(key) or "" for key in TEXTS}, country_id=country.upper() if country else None,
        country_group_id=address.get("country_group_id"), is_main_address=True,
        legacy_id=_next_legacy_id(bind, business_id, "addresses"), created_at=created_at, updated_at=created_at))


def upgrade() -> None:
    bind = op.get_bind()
    for bank_id, business_id, created_at, raw_address, raw_person in bind.execute(sa.select(
            banks.c.id, banks.c.business_id, banks.c.created_at, banks.c.main_address, banks.c.main_contact_person)):
        address, person = _json(raw_address), _json(raw_person)
        # A bank account may already have a main address made through /addresses: that one stays its main.
        address_id = bind.execute(sa.select(addresses.c.id).where(addresses.c.bank_account_id == bank_id,
                                                                  addresses.c.is_main_address.is_(True))).scalar()
        if address_id is None:
            address_id = uuid.uuid4().hex
            _insert_address(bind, address_id, bank_id, business_id, created_at, address)
        if person:
            bind.execute(persons.insert().values(
                id=uuid.uuid4().hex, business_id=business_id, contact_id=None, address_id=address_id,
                name=person.get("name") or "Main Contact", **{key: person.get(key) or "" for key in PERSON_TEXTS},
                contact_person_type_ids=person.get("contact_person_type_ids") or ["ACCOUNTS"],
                is_main_contact=True, is_preferred_contact=False,
                legacy_id=_next_legacy_id(bind, business_id, "contact_persons"), created_at=created_at,
                updated_at=created_at))
    for column in JSON_COLUMNS:
        _drop(bind, column)


def _drop(bind: Any, column: str) -> None:
    """Drop a plain column in place. On SQLite (3.35 and later) `ALTER TABLE … DROP COLUMN` does, where a batch
    would rebuild `bank_accounts`: dropping the old table then fails on the payments, transfers and deposits that
    refer to it, or cascades away the addresses that do."""
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(f"ALTER TABLE bank_accounts DROP COLUMN {column}")
    else:
        op.drop_column("bank_accounts", column)


def downgrade() -> None:
    for column in reversed(JSON_COLUMNS):
        op.add_column("bank_accounts", sa.Column(column, sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(addresses).where(addresses.c.bank_account_id.is_not(None),
                                                   addresses.c.is_main_address.is_(True))).mappings().all()
    for row in rows:
        person = bind.execute(sa.select(persons).where(persons.c.address_id == row["id"],
                                                       persons.c.contact_id.is_(None))).mappings().first()
        bind.execute(banks.update().where(banks.c.id == row["bank_account_id"]).values(
            main_address={key: row[key] for key in (*TEXTS, "address_type_id", "country_id", "country_group_id")},
            main_contact_person={key: person[key] for key in ("name", *PERSON_TEXTS)} if person else None))
    # The addresses stay (a bank account could have addresses before); its people go back into the JSON.
    bank_addresses = sa.select(addresses.c.id).where(addresses.c.bank_account_id.is_not(None))
    bind.execute(persons.delete().where(persons.c.contact_id.is_(None), persons.c.address_id.in_(bank_addresses)))
