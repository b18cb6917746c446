"""The UK Construction Industry Scheme on documents (docs/decisions/cis.md): whether a GB document is CIS, the
labour its deduction is taken from and the deduction rate.

A purchase invoice or credit note is CIS when the business is a CIS contractor and the supplier is CIS registered:
the business deducts at the supplier's rate. A sales invoice or credit note is CIS when the business is a CIS
subcontractor and the customer is CIS registered (a contractor): the customer deducts at the business's own rate.
The deduction is taken from the net of the lines on CIS labour accounts only: never from materials, shipping or
VAT (HMRC CIS340; CISR13070). The amount, its checks and its posting are the withholding's (artefacts/service.py,
artefacts/posting.py), shared with Spain's IRPF.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerd.artefacts.kinds import Kind
from ledgerd.artefacts.models import Artefact
from ledgerd.contacts.models import Contact
from ledgerd.errors import Invalid
from ledgerd.ledger.accounts import by_ids
from ledgerd.ledger.tax_rates import live, percentage_on
from ledgerd.settings.updates import CIS_DEFAULT_RATE, cis

COUNTRY = "GB"
KINDS = frozenset({"SALES_INVOICE", "SALES_CREDIT_NOTE", "PURCHASE_INVOICE", "PURCHASE_CREDIT_NOTE"})
ZERO = Decimal(0)


@dataclass(frozen=True)
class Terms:
    """A CIS document's deduction rate (a percentage) and the labour it applies to."""

    rate_id: str
    rate: Decimal


def contact_rate_id(contact: Contact) -> str:
    """The deduction rate a CIS-registered supplier suffers: its own (as HMRC's verification gave it), else the
    registered rate."""
    return (contact.cis_settings or {}).get("deduction_rate_id") or CIS_DEFAULT_RATE


def terms(db: Session, artefact: Artefact, kind: Kind) -> Terms | None:
    """The document's CIS terms, None when it is not CIS (see the module's docstring)."""
    if kind.kind not in KINDS:
        return None
    contact = db.get(Contact, artefact.contact_id)
    if contact is None or not contact.cis_registered:
        return None
    settings = cis(db)
    if kind.sales:
        if not settings["subcontractor"]:
            return None
        rate_id = settings["tax_rate_id"] or CIS_DEFAULT_RATE
    else:
        if not settings["contractor"]:
            return None
        rate_id = contact_rate_id(contact)
    rate = live(db, rate_id)
    if rate is None or "cis" not in rate.usage:
        raise Invalid(f"The CIS deduction rate {rate_id} is not available.", "withholding_tax_rate")
    return Terms(rate_id, percentage_on(rate, artefact.date))


def apply(db: Session, artefact: Artefact, found: Terms | None) -> None:
    """Store the document's CIS figures: the labour (lines on CIS labour accounts, in both currencies) and whether
    it has labour or materials lines; all cleared when it is not CIS."""
    if found is None:
        artefact.cis_applicable_amount = artefact.base_currency_cis_applicable_amount = None
        artefact.has_cis_labour = artefact.has_cis_materials = False
        return
    accounts = by_ids(db, {row.ledger_account_id for row in artefact.lines if row.ledger_account_id})
    labour = [row for row in artefact.lines if (a := accounts.get(row.ledger_account_id)) and a.cis_labour]
    artefact.cis_applicable_amount = sum((row.net_amount for row in labour), ZERO)
    artefact.base_currency_cis_applicable_amount = sum((row.base_currency_net_amount for row in labour), ZERO)
    artefact.has_cis_labour = bool(labour)
    artefact.has_cis_materials = any((a := accounts.get(row.ledger_account_id)) is not None and a.cis_materials
                                     for row in artefact.lines)
