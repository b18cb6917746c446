"""Migration 0006: a bank account's main address and person, kept as JSON before, become records."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import select, text

from ledgerd.app import build_runtime
from ledgerd.banking.models import BankAccount
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.contacts.models import Address, ContactPerson
from ledgerd.db.migrate import alembic_config, upgrade
from ledgerd.sandbox.demo import seed_demo_books
from tests.conftest import TEST_SCRYPT_N
from tests.support.factories import Factory


def test_bank_account_json_becomes_address_and_person_records(fresh_database: Any, backend: str) -> None:
    url = fresh_database(backend)
    runtime = build_runtime(Settings(database_url=url, env="test", password_scrypt_n=TEST_SCRYPT_N), Clock())
    try:
        factory = Factory(runtime)
        business = factory.business(factory.user(), country="GB")
        # Books whose payments and transfers refer to the bank accounts: the columns must go without
        # rebuilding (and so dropping) the bank accounts' table.
        factory.tx(lambda db: seed_demo_books(db, runtime.clock, business.id))
        with runtime.engine.connect() as conn:
            bank_ids = [row[0] for row in conn.execute(select(BankAccount.id).where(
                BankAccount.business_id == business.id).order_by(BankAccount.id))]
        command.downgrade(alembic_config(url), "0005")
        with runtime.engine.begin() as conn:
            conn.execute(text("DELETE FROM addresses WHERE bank_account_id IS NOT NULL"))
            conn.execute(text("UPDATE bank_accounts SET main_address = :a, main_contact_person = :p WHERE id = :id"),
                         {"a": '{"address_line_1": "1 High St", "city": "Leeds", "country_id": "gb"}',
                          "p": '{"name": "Manager", "telephone": "0113", "job_title": null}', "id": bank_ids[0]})
        upgrade(url)
        with runtime.engine.connect() as conn:
            addresses = {row.bank_account_id: row for row in conn.execute(select(Address).where(
                Address.business_id == business.id, Address.bank_account_id.is_not(None)))}
            persons = conn.execute(select(ContactPerson).where(ContactPerson.business_id == business.id,
                                                               ContactPerson.contact_id.is_(None))).all()
        assert set(addresses) == set(bank_ids)  # every bank account has a main address now
        first = addresses[bank_ids[0]]
        assert (first.address_line_1, first.city, first.country_id, first.is_main_address) == (
            "1 High St", "Leeds", "GB", True)
        assert [(p.name, p.telephone, p.job_title, p.address_id, p.is_main_contact) for p in persons] == [
            ("Manager", "0113", "", first.id, True)]
        assert len({a.legacy_id for a in addresses.values()}) == len(bank_ids)
        command.downgrade(alembic_config(url), "0005")
        with runtime.engine.connect() as conn:
            person = conn.execute(text("SELECT main_contact_person FROM bank_accounts WHERE id = :id"),
                                  {"id": bank_ids[0]}).scalar()
        assert "Manager" in str(person)
        upgrade(url)
    finally:
        runtime.engine.dispose()
