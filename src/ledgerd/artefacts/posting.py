"""How a posted document reaches the ledger: one balanced transaction in base currency.

Sales invoice: Dr DEBTORS total / Cr each line's account net / Cr output tax / Cr CARRIAGE shipping net /
Cr output tax on shipping. Purchase invoice: Dr each line's account net / Dr input tax / Cr CREDITORS total.
Which account takes each tax, and the part of purchase tax that is cost, is `ledger.tax_accounts`'s rule.
IRPF withheld (Spain) takes the control account's side: Dr 4730 on a sale, Cr 4751 on a purchase, so the
control account carries what the contact pays; a CIS deduction (GB) likewise, Dr 1132 / Cr 2503. Credit notes
take the opposite sides; so does a corrective invoice whose (signed) total is negative.
Each component is the document's own base-currency figure, and the control line is their sum, so the
transaction balances to the cent whatever the exchange rate.

Self-accounted VAT (docs/decisions/vat-treatments.md): a purchase under the reverse charge or with postponed
import VAT posts its tax twice, Dr PURCHASE_TAX and Cr SALES_TAX, so CREDITORS takes the net only; a sale under
the reverse charge posts no tax (the customer accounts for it). Those entries carry the document's treatment
(ledger/treatments.py) so returns can tell them apart; a line may have its own (`treatments.of_line`: goods bought
under the EU reverse charge, untaxed goods sold to the EU or abroad, untaxed services sold to EU businesses).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerd.artefacts.kinds import Kind
from ledgerd.artefacts.models import Artefact
from ledgerd.contacts.models import Contact
from ledgerd.errors import Invalid
from ledgerd.ledger import posting, treatments
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import Transaction
from ledgerd.ledger.tax_accounts import CIS, IRPF, add_tax, withholding_account
from ledgerd.periods import service as periods

ZERO = Decimal(0)


def lines(db: Session, artefact: Artefact, kind: Kind) -> list[posting.Line]:
    """The entries of the document's transaction (zero amounts left out)."""
    # The control account (debtors/creditors) is debited for sales invoices and purchase credit notes; the
    # other lines take the other side.
    side = (kind.sign > 0) != kind.sales
    treatment = _treatment(db, artefact, kind)
    entries = posting.Entries()

    def tax(amount: Decimal, *, rate_id: str | None, line_account_id: str, breakdown: list[dict[str, str]],
            recoverable: bool | None, description: str, treatment: str | None) -> None:
        # The kind's own tax (ledger/tax_accounts.py: its account, the share claimed back); self-accounted purchase
        # VAT also as output tax, on the other side; a sale under the reverse charge posts none.
        if treatment is not None and kind.sales:
            return
        add_tax(db, entries, amount, rate_id=rate_id, sales=kind.sales, debit=side, line_account_id=line_account_id,
                breakdown=breakdown, line_recoverable=recoverable, description=description, treatment=treatment)
        if treatment is not None:
            add_tax(db, entries, amount, rate_id=rate_id, sales=True, debit=not side,
                    line_account_id=line_account_id, breakdown=breakdown, description=description,
                    treatment=treatment)

    customer = _customer_treatment(db, artefact, kind, treatment)
    for row in artefact.lines:
        # Goods bought under the EU reverse charge, untaxed goods sold to the EU or abroad: the line's own treatment.
        own = treatments.of_line(treatment, sales=kind.sales, goods=row.eu_goods_services_type_id == "GOODS",
                                 services=row.eu_goods_services_type_id == "SERVICES",
                                 taxed=bool(row.base_currency_tax_amount), customer=customer)
        entries.add(row.ledger_account_id, row.base_currency_net_amount, debit=side, description=row.description,
                    tax_rate_id=row.tax_rate_id, tax_treatment=own)
        # A combined rate's tax goes one entry per component (its breakdown), so each tax can be reported.
        tax(row.base_currency_tax_amount, rate_id=row.tax_rate_id, line_account_id=row.ledger_account_id,
            breakdown=row.tax_breakdown or [], recoverable=row.tax_recoverable, description=row.description,
            treatment=own)
    if kind.has_shipping:
        carriage = control(db, "CARRIAGE").id
        entries.add(carriage, artefact.base_currency_shipping_net_amount, debit=side, description="Shipping",
                    tax_rate_id=artefact.shipping_tax_rate_id, tax_treatment=treatment)
        tax(artefact.base_currency_shipping_tax_amount, rate_id=artefact.shipping_tax_rate_id,
            line_account_id=carriage, breakdown=artefact.shipping_tax_breakdown or [], recoverable=None,
            description="Shipping", treatment=treatment)
    if artefact.base_currency_withholding_tax_amount:
        # IRPF (docs/decisions/spain.md) or CIS (docs/decisions/cis.md) withheld: on the control account's side,
        # so the contact is owed the rest.
        scheme = CIS if artefact.is_cis else IRPF
        entries.add(withholding_account(db, sales=kind.sales, scheme=scheme).id,
                    artefact.base_currency_withholding_tax_amount, debit=not side, description=scheme)
    # The control entry balances the others (a negative total, a corrective invoice that reduces its original,
    # moves it to the other side). `or ""`: a new document is posted before its flush fills the columns' defaults.
    entries.balance_to(control(db, "DEBTORS" if kind.sales else "CREDITORS").id, first=True,
                       description=artefact.document_number or artefact.reference or artefact.vendor_reference or "")
    return entries.lines


def _treatment(db: Session, artefact: Artefact, kind: Kind) -> str | None:
    """The document's VAT treatment (ledger/treatments.py), or None for ordinary VAT."""
    if artefact.postponed_accounting:
        return treatments.POSTPONED_IMPORT
    if not artefact.vat_reverse_charge:
        return None
    if kind.sales:  # the supply is the business's own, in its country; its customer accounts for the VAT
        return treatments.REVERSE_CHARGE_DOMESTIC
    supplier = db.get(Contact, artefact.contact_id)
    return treatments.reverse_charge(supplier.tax_treatment if supplier else None)


def _customer_treatment(db: Session, artefact: Artefact, kind: Kind, treatment: str | None) -> dict[str, bool] | None:
    """The customer's tax treatment, where a line may be an intra-Community supply, an export or a service to an
    EU business (an ordinary sale with an untaxed goods or services line)."""
    if not kind.sales or treatment is not None or not any(
            row.eu_goods_services_type_id in ("GOODS", "SERVICES") and not row.base_currency_tax_amount
            for row in artefact.lines):
        return None
    customer = db.get(Contact, artefact.contact_id)
    return customer.tax_treatment if customer else None


def post(db: Session, artefact: Artefact, kind: Kind) -> Transaction:
    """Post the document. A new one is written together with its transaction (`posting.post` names the
    transaction on it before the flush)."""
    assert kind.transaction_type_id is not None
    entries = lines(db, artefact, kind)
    return posting.post(
        db, business_id=artefact.business_id, transaction_type_id=kind.transaction_type_id, on=artefact.date,
        lines=entries, reference=artefact.document_number or artefact.reference or "",
        contact_id=artefact.contact_id, origin=(kind.path, artefact.id),
        total_in_transaction_currency=artefact.total_amount, record=artefact)


def _reference(artefact: Artefact) -> str:
    return artefact.document_number or artefact.reference or ""


def same_entries(db: Session, artefact: Artefact, kind: Kind, transaction: Transaction) -> bool:
    """Whether re-posting would write the same entries on the same day for the same contact."""
    def key(account: str, debit: Decimal, credit: Decimal, tax_rate_id: str | None,
            treatment: str | None) -> tuple[str, str, str, Decimal, Decimal]:
        return account, tax_rate_id or "", treatment or "", debit, credit

    wanted = sorted(key(line.ledger_account_id, line.debit, line.credit, line.tax_rate_id, line.tax_treatment)
                    for line in lines(db, artefact, kind))
    held = sorted(key(e.ledger_account_id, e.debit, e.credit, e.tax_rate_id, e.tax_treatment)
                  for e in transaction.entries)
    return wanted == held and transaction.date == artefact.date and transaction.contact_id == artefact.contact_id


def guard(db: Session, artefact: Artefact, kind: Kind) -> None:
    """Refuse to change, void or delete a document whose transaction a submitted VAT return took, or that stands
    in a locked period (periods/service.py): Sage's remedy is a credit note (an invoice, for a credit note)."""
    old = db.get(Transaction, artefact.transaction_id) if artefact.transaction_id else None
    remedy = "reverse it with a credit note instead" if kind.sign > 0 else "reverse it with an invoice instead"
    periods.check_reversible(db, old, what=kind.wrapper.replace("_", " "), remedy=remedy)


def repost(db: Session, artefact: Artefact, kind: Kind, *, paid: bool = False) -> None:
    """After an edit: reverse the old transaction and post the new one, unless nothing changed. A document that is
    filed or locked (`guard`), or `paid` (has payments or allocations), keeps its transaction: Sage asks for the
    payments and credit notes to be unallocated before a change to what the ledger holds."""
    old = db.get(Transaction, artefact.transaction_id) if artefact.transaction_id else None
    if old is not None and not old.deleted:
        if same_entries(db, artefact, kind, old):
            # A new reference alone renames the transaction's header; its entries, and what a VAT return or the
            # lock date protects, stay as they are.
            if old.reference != _reference(artefact)[:255]:
                old.reference = _reference(artefact)[:255]
            return
        guard(db, artefact, kind)
        if paid:
            raise Invalid(f"This {kind.wrapper.replace('_', ' ')} has payments or allocations: remove them "
                          f"(unallocate) before changing its amounts, tax, accounts, date or contact, then allocate "
                          f"them again.", "base")
        posting.reverse(db, old)
    post(db, artefact, kind)


def cancel(db: Session, artefact: Artefact) -> None:
    """Void: reverse the document's transaction, dated like the original."""
    old = db.get(Transaction, artefact.transaction_id) if artefact.transaction_id else None
    if old is not None and not old.deleted:
        posting.reverse(db, old)
