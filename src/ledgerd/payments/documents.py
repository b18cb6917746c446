"""What a payment or an allocation may settle, and what settling it is worth in base currency.

Documents on a contact's account are either *charges* (invoices, opening-balance invoices: what the
customer owes us or we owe the supplier) or *credits* (credit notes, opening-balance credit notes,
payments on account). Allocations are stored as positive amounts that reduce a document's outstanding
amount; on the wire, the side a document is on gives the sign.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledgerd.artefacts import status
from ledgerd.artefacts.models import Allocation, Artefact
from ledgerd.contacts.models import Contact
from ledgerd.db.locks import lock
from ledgerd.errors import Invalid
from ledgerd.ledger.posting import Entries
from ledgerd.ledger.tax_accounts import CIS, realised_account, withholding_account

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Side:
    """One side of the books: customers on DEBTORS, suppliers on CREDITORS."""

    contact_type: str
    label: str
    control: str
    charges: frozenset[str]
    credits: frozenset[str]
    payment_on_account: str
    allocation_type: str
    # A charge is posted as a debit on the control account (customers) or as a credit (suppliers).
    charge_is_debit: bool


CUSTOMER = Side("CUSTOMER", "Customer", "DEBTORS",
                frozenset({"SALES_INVOICE", "CUSTOMER_OPENING_BALANCE_INVOICE", "SALES_QUICK_ENTRY_INVOICE"}),
                frozenset({"SALES_CREDIT_NOTE", "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE", "CUSTOMER_PAYMENT_ON_ACCOUNT",
                           "SALES_QUICK_ENTRY_CREDIT_NOTE"}),
                "CUSTOMER_PAYMENT_ON_ACCOUNT", "CUSTOMER_ALLOCATION", charge_is_debit=True)
VENDOR = Side("VENDOR", "Supplier", "CREDITORS",
              frozenset({"PURCHASE_INVOICE", "VENDOR_OPENING_BALANCE_INVOICE", "PURCHASE_QUICK_ENTRY_INVOICE"}),
              frozenset({"PURCHASE_CREDIT_NOTE", "VENDOR_OPENING_BALANCE_CREDIT_NOTE", "VENDOR_PAYMENT_ON_ACCOUNT",
                         "PURCHASE_QUICK_ENTRY_CREDIT_NOTE"}),
              "VENDOR_PAYMENT_ON_ACCOUNT", "VENDOR_ALLOCATION", charge_is_debit=False)
SIDES = {"CUSTOMER_ALLOCATION": CUSTOMER, "VENDOR_ALLOCATION": VENDOR}

def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount in a foreign currency in base currency; `rate` is foreign units per base unit (1 GBP = 1.25 USD)."""
    return cents(amount / rate)


def find_contact(db: Session, contact_id: str | None, source: str) -> Contact:
    contact = db.scalars(select(Contact).where(Contact.id == contact_id)).first() if contact_id else None
    if contact is None:
        raise Invalid("Couldn't find contact.", source)
    return contact


def require_type(contact: Contact, side: Side, source: str) -> None:
    if side.contact_type not in contact.contact_type_ids:
        raise Invalid(f"Couldn't find {side.label}.", source)


def lock_documents(db: Session, *ids: str | None, settled: Iterable[Allocation] = ()) -> dict[str, Artefact]:
    """Lock the documents a payment or an allocation changes, before it reads them (db/locks.py): those named
    by `ids` (documents it is asked to settle, its payment on account) and those its current allocations
    (`settled`) settle. One statement in id order, so two requests naming them in either order cannot deadlock."""
    return lock(db, Artefact, [*ids, *(row.artefact_id for row in settled)])


def open_document(locked: Mapping[str, Artefact], artefact_id: str, contact: Contact, kinds: frozenset[str],
                  source: str, on: date) -> Artefact:
    """An artefact of `contact`, of one of `kinds`, that can take an allocation dated `on`, among the `locked`
    ones."""
    artefact = locked.get(artefact_id)
    if artefact is None:
        raise Invalid("Couldn't find artefact.", source)
    if artefact.contact_id != contact.id:
        raise Invalid("The artefact belongs to another contact.", source)
    if artefact.kind not in kinds:
        raise Invalid(f"A {artefact.kind.lower().replace('_', ' ')} cannot be allocated here.", source)
    if artefact.status_id in ("DRAFT", "VOID", "PRO_FORMA"):
        raise Invalid(f"A {artefact.status_id.lower().replace('_', '-')} artefact cannot be allocated.", source)
    # An allocation settles documents that exist on its date: a payment received before its invoice stays a
    # payment on account until then, so aged debtors and creditors agree with the control accounts on every day
    # (docs/decisions/period-locks.md).
    if artefact.date > on:
        raise Invalid(f"The artefact is dated {artefact.date.isoformat()}, after {on.isoformat()}: a payment or "
                      f"allocation cannot settle a document dated after it. Record it as a payment on account and "
                      f"allocate it on or after the document's date.", source)
    return artefact


class Named(Protocol):
    """An entry of `allocated_artefacts`: it names the artefact it settles."""

    @property
    def artefact_id(self) -> str: ...


N = TypeVar("N", bound=Named)


def named_documents(locked: Mapping[str, Artefact], wanted: Iterable[N], contact: Contact,
                    side: Side, on: date) -> Iterator[tuple[str, Artefact, N]]:
    """The documents `allocated_artefacts` names, one entry at a time: each named once, each an open document of
    `contact` on `side` dated on or before `on` (`open_document`). Yields the entry's `$source`, its document and
    the entry itself."""
    seen: set[str] = set()
    for i, item in enumerate(wanted):
        where = f"allocated_artefacts[{i}]"
        if item.artefact_id in seen:
            raise Invalid("The artefact is allocated twice.", f"{where}.artefact_id")
        seen.add(item.artefact_id)
        yield where, open_document(locked, item.artefact_id, contact, side.charges | side.credits,
                                   f"{where}.artefact_id", on), item

def allocated_base(db: Session, artefact_ids: Iterable[str]) -> dict[str, Decimal]:
    """Σ of the base values already settled, per artefact."""
    ids = list(set(artefact_ids))
    if not ids:
        return {}
    rows = db.execute(select(Allocation.artefact_id, func.sum(Allocation.base_currency_amount))
                      .where(Allocation.artefact_id.in_(ids)).group_by(Allocation.artefact_id)).all()
    found = {aid: total or ZERO for aid, total in rows}
    return {aid: found.get(aid, ZERO) for aid in ids}


def settled_so_far(db: Session, artefact_ids: Iterable[str]) -> dict[str, Decimal]:
    """Σ of what allocations already settle (amount + discount, document currency), per artefact."""
    ids = list(set(artefact_ids))
    if not ids:
        return {}
    # Summed separately: an expression over the cents columns would come back as raw integers.
    rows = db.execute(select(Allocation.artefact_id, func.sum(Allocation.amount), func.sum(Allocation.discount))
                      .where(Allocation.artefact_id.in_(ids)).group_by(Allocation.artefact_id)).all()
    found = {aid: (amount or ZERO) + (discount or ZERO) for aid, amount, discount in rows}
    return {aid: found.get(aid, ZERO) for aid in ids}


def realise_withheld(db: Session, entries: Entries, side: Side, artefact: Artefact, settled: Decimal,
                     before: Decimal, *, contact_id: str) -> None:
    """Move the share of a CIS deduction that settling `settled` (amount + discount) of `artefact` pays, after
    `before` already settled, from its Withheld account to its Realised one (docs/decisions/cis.md): Dr 2503 /
    Cr 2502 for a purchase invoice, Dr 1131 / Cr 1132 for a sales invoice, the other way round for credit notes.

    The share is a running total: what settling `before + settled` of the payable moves, rounded to the penny,
    less what settling `before` moved; settling the last of the document thus moves exactly the rest of the
    deduction. The entries go into the payment's or the allocation's transaction, so deleting or editing it
    takes them back."""
    withheld = artefact.base_currency_withholding_tax_amount
    if not artefact.is_cis or not withheld or not artefact.payable or not settled:
        return
    sales = side is CUSTOMER
    realised = realised_account(db, sales=sales, scheme=CIS)
    if realised is None:
        return  # renumbered away: the deduction stays where it was posted

    def moved(paid: Decimal) -> Decimal:
        return withheld if paid == artefact.payable else cents(withheld * paid / artefact.payable)

    share = moved(before + settled) - moved(before)
    # The deduction was posted on the side the document charges its contact (a sale's asset on the debit side);
    # the move takes it off there and puts it on the Realised account on the same side.
    posted_debit = side.charge_is_debit if artefact.kind in side.charges else not side.charge_is_debit
    entries.add(withholding_account(db, sales=sales, scheme=CIS).id, share, debit=not posted_debit,
                contact_id=contact_id, description="CIS")
    entries.add(realised.id, share, debit=posted_debit, contact_id=contact_id, description="CIS")


def settled_value(artefact: Artefact, settled: Decimal, already: Decimal, base: str) -> Decimal:
    """The base-currency value of settling `settled` (amount + discount) of `artefact` now.

    Settling the last of a document always takes exactly what its control account still carries, so
    partial payments never leave a cent behind.
    """
    if artefact.currency_id == base or artefact.payable == ZERO:
        return settled
    if settled == artefact.outstanding_amount:
        return artefact.base_payable - already
    return cents(settled * artefact.base_payable / artefact.payable)


def refresh(db: Session, artefacts: Iterable[Artefact]) -> None:
    db.flush()
    for artefact in {a.id: a for a in artefacts}.values():
        status.refresh(db, artefact)
    db.flush()


def remove_allocations(db: Session, allocations: Iterable[Allocation], locked: Mapping[str, Artefact]) -> None:
    """Delete allocations and refresh the documents they settled (among the `locked` ones)."""
    rows = list(allocations)
    for row in rows:
        db.delete(row)
    refresh(db, [locked[row.artefact_id] for row in rows])
