"""Demo books: two customers, a supplier, invoices (one paid, one part paid, one open) and a bill.

Everything goes through the same services the API uses, so the demo ledger is a real one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.artefacts import service as documents
from ledgerd.artefacts.kinds import PURCHASE_INVOICE, SALES_INVOICE
from ledgerd.artefacts.schemas import InvoiceIn
from ledgerd.auth.apps import create_app, rotate_secret
from ledgerd.auth.models import App
from ledgerd.banking.models import BankAccount
from ledgerd.clock import Clock
from ledgerd.contacts import service as contacts
from ledgerd.contacts.schemas import ContactCreate
from ledgerd.db.records import bind_clock
from ledgerd.db.tenancy import bind_business
from ledgerd.ledger.models import LedgerAccount
from ledgerd.passwords import hash_secret
from ledgerd.payments import service as payments
from ledgerd.payments.schemas import ContactPaymentCreate
from ledgerd.settings.service import base_currency
from ledgerd.tenancy.models import User

DEMO_APP = "Demo App"


def demo_app(db: Session, clock: Clock, server_key: bytes, owner: User, callbacks: list[str]) -> tuple[App, str]:
    """The demo user's app and its client secret, the same at every run: the secret is derived from the server's
    own key (kept in the database) and the app's client id, so a client configured once keeps working across
    restarts of `ledgerd demo`. A secret rotated on the developer page is set back to the derived one."""
    app = db.scalar(select(App).where(App.owner_id == owner.id, App.name == DEMO_APP))
    if app is None:
        app, _ = create_app(db, clock, owner=owner, name=DEMO_APP, redirect_uris=callbacks)
    digest = hmac.new(server_key, f"ledgerd demo app {app.client_id}".encode(), hashlib.sha256).digest()
    secret = base64.urlsafe_b64encode(digest[:24]).decode()
    if app.client_secret_hash != hash_secret(secret):
        rotate_secret(db, clock, app, secret)
    return app, secret


def _line(description: str, quantity: int, price: str, account: str) -> dict[str, object]:
    tax = (Decimal(price) * quantity * Decimal("0.2")).quantize(Decimal("0.01"))
    return {"description": description, "ledger_account_id": account, "quantity": quantity, "unit_price": price,
            "tax_rate_id": "GB_STANDARD", "tax_amount": str(tax)}


def seed_demo_books(db: Session, clock: Clock, business_id: str) -> None:
    bind_business(db, business_id)
    bind_clock(db, clock)
    codes = {code: account_id for code, account_id in db.execute(select(LedgerAccount.nominal_code, LedgerAccount.id))}
    bank = db.scalars(select(BankAccount).order_by(BankAccount.created_at)).first()
    assert bank is not None
    today = clock.now().date()
    customers = [contacts.create(db, business_id, ContactCreate.model_validate(
        {"name": name, "contact_type_ids": ["CUSTOMER"], "email": email,
         "main_address": {"address_line_1": line, "city": city, "postal_code": postcode, "country_id": "GB"}}),
        base_currency(db))
        for name, email, line, city, postcode in (
            ("Acme Retail Ltd", "accounts@acme.example", "1 High Street", "London", "EC1A 1AA"),
            ("Northwind Traders", "ap@northwind.example", "22 Dock Road", "Leeds", "LS1 4DY"))]
    supplier = contacts.create(db, business_id, ContactCreate.model_validate(
        {"name": "Office Supplies Co", "contact_type_ids": ["VENDOR"]}), base_currency(db))
    ctx = documents.context(db, business_id, "GB")  # the demo books are GB books (cli.py)

    def invoice(customer: str, days_ago: int, lines: list[tuple[str, int, str]]) -> str:
        body = InvoiceIn.model_validate({"contact_id": customer, "date": today - dt.timedelta(days=days_ago),
                                         "invoice_lines": [_line(d, q, p, codes[4000]) for d, q, p in lines]})
        return documents.create(db, ctx, SALES_INVOICE, body).id

    paid = invoice(customers[0].id, 40, [("Consulting day", 2, "450.00")])
    part = invoice(customers[1].id, 20, [("Widgets", 10, "12.50"), ("Delivery", 1, "15.00")])
    invoice(customers[0].id, 3, [("Support plan", 1, "99.00")])
    documents.create(db, ctx, PURCHASE_INVOICE, InvoiceIn.model_validate({
        "contact_id": supplier.id, "date": today - dt.timedelta(days=10), "due_date": today + dt.timedelta(days=20),
        "reference": "OSC-1042", "invoice_lines": [_line("Paper and toner", 1, "84.00", codes[7500])]}))
    for artefact_id, amount in ((paid, "1080.00"), (part, "60.00")):
        customer = customers[0] if artefact_id == paid else customers[1]
        payments.create(db, ContactPaymentCreate.model_validate({
            "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": customer.id, "bank_account_id": bank.id,
            "date": today - dt.timedelta(days=2), "total_amount": amount,
            "allocated_artefacts": [{"artefact_id": artefact_id, "amount": amount}]}))
    db.flush()
