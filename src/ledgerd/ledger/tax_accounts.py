"""Where tax goes in the ledger: each tax's own output and input account, and how much purchase tax is claimed back.

The one rule for every posting that carries tax (documents, quick entries, other payments and receipts):

* A combined rate (GST & PST) is posted per component, each component on its own.
* Tax on a sale goes to the rate's own output account where the region keeps the taxes apart (`sales_account`
  in the region's tax_rates.toml: SKR03 1771 for 7 %, Canada's PST and QST payable), else to the SALES_TAX
  control account.
* Tax on a purchase is split into the share claimed back, which goes to the rate's own input account
  (`purchase_account`, else PURCHASE_TAX), and the rest, which is part of the cost: it goes to the line's account
  (or that account's `non_recoverable_ledger_account_id`, as Sage Accounting Canada does), without a tax rate,
  so no return counts it as tax or as net purchases.
* The share claimed back is none when the rate is not recoverable on purchases (Canadian PST, US sales tax:
  `purchase_recoverable`) or the line says `tax_recoverable: false`; the line's account's
  `recoverable_percentage` when that account has part-recoverable taxes (`tax_recoverable`: Canadian meals
  and entertainment, 50 %); else all of it. It is rounded to the cent; the cost takes the remainder.

The accounts are found by nominal code; one the business renumbered or deleted falls back to the control account.
The VAT returns sum every output and every input account this module names (`tax_account_ids`), the accounts of
tax paid at customs on imports that a rate names (`import_account`: SKR03 1588 Einfuhrumsatzsteuer) among the
input accounts, their entries read as import VAT (`import_account_ids`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.db.unit import Cache, cache
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import LedgerAccount, TaxRate
from ledgerd.ledger.posting import Entries
from ledgerd.ledger.tax_rates import by_ids, live, percentage_on
from ledgerd.regions.data import region, tax_rate_def

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Only US businesses make their own rates (ledger/tax_rates.changeable): those follow the US rule.
CUSTOM_RATES_COUNTRY = "US"
# The business's ledger accounts by nominal code (None: no such account), as the tax rates name them.
BY_CODE: Cache[int, LedgerAccount | None] = Cache("tax accounts by nominal code")
# The business's output, input and import tax account ids (`tax_account_ids`), found once per unit of work.
TAX_ACCOUNTS: Cache[str, frozenset[str]] = Cache("output and input tax accounts")


def _by_codes(db: Session, codes: Collection[int]) -> dict[int, LedgerAccount | None]:
    """The business's accounts of these nominal codes (None where it has none), those not yet known in one query."""
    known = cache(db, BY_CODE)
    if missing := set(codes) - known.keys():
        found = db.scalars(select(LedgerAccount).where(LedgerAccount.nominal_code.in_(missing)),
                           execution_options={"autoflush": False})
        known.update(dict.fromkeys(missing))
        known.update({account.nominal_code: account for account in found})
    return {code: known[code] for code in codes}


def _by_code(db: Session, code: int | None) -> LedgerAccount | None:
    return None if code is None else _by_codes(db, (code,))[code]


def account_for(db: Session, rate_id: str | None, *, sales: bool) -> LedgerAccount:
    """The account tax at `rate_id` goes to: the rate's own output (sales) or input account, else the control."""
    found = tax_rate_def(rate_id) if rate_id else None
    own = _by_code(db, (found.sales_account if sales else found.purchase_account) if found else None)
    return own if own is not None else control(db, "SALES_TAX" if sales else "PURCHASE_TAX")


# What a customer withholds from the business is an asset (tax paid on account); what the business withholds from
# a supplier is owed to the tax authority. Spanish IRPF (PGC): 4730 Hacienda Pública, retenciones y pagos a
# cuenta; 4751 Hacienda Pública, acreedora por retenciones practicadas (docs/decisions/spain.md). GB CIS (Sage's
# UK chart): 1132 CIS Tax Asset Withheld; 2503 CIS Tax Liability Withheld (docs/decisions/cis.md).
IRPF, CIS = "IRPF", "CIS"
WITHHOLDING_CODES = {IRPF: (4730, 4751), CIS: (1132, 2503)}


def withholding_account(db: Session, *, sales: bool, scheme: str = IRPF) -> LedgerAccount:
    """The account a withholding of `scheme` on a sale (an asset) or a purchase (a liability) goes to; a business
    without it falls back to the input or output tax control account, on the same side of the balance sheet."""
    withheld_from_us, withheld_by_us = WITHHOLDING_CODES[scheme]
    own = _by_code(db, withheld_from_us if sales else withheld_by_us)
    return own if own is not None else control(db, "PURCHASE_TAX" if sales else "SALES_TAX")


# Where a withholding goes once the payment it was taken from is made (docs/decisions/cis.md): GB CIS, Sage's UK
# chart: 1131 CIS Tax Asset Realised; 2502 CIS Tax Liability Realised. IRPF stays where it was posted.
REALISED_CODES = {CIS: (1131, 2502)}


def realised_account(db: Session, *, sales: bool, scheme: str) -> LedgerAccount | None:
    """The account a withholding of `scheme` moves to when it is paid, None where it does not move (the scheme
    has no such account, or the business has renumbered it)."""
    codes = REALISED_CODES.get(scheme)
    return None if codes is None else _by_code(db, codes[0] if sales else codes[1])


def recoverable_share(rate_id: str | None, account: LedgerAccount | None, *, line_recoverable: bool | None) -> Decimal:
    """The percentage (0-100) of purchase tax at `rate_id` on a line posted to `account` that is claimed back."""
    found = tax_rate_def(rate_id) if rate_id else None
    recoverable = found.purchase_recoverable if found else (
        rate_id is None or region(CUSTOM_RATES_COUNTRY).purchase_tax_recoverable)
    if not recoverable or line_recoverable is False:
        return ZERO
    if account is not None and account.tax_recoverable and account.recoverable_percentage is not None:
        return Decimal(account.recoverable_percentage)
    return HUNDRED


def components(amount: Decimal, breakdown: Sequence[dict[str, str]], rate_id: str | None
               ) -> list[tuple[str | None, Decimal]]:
    """The tax's parts in base currency: one per component of a combined rate (its stored breakdown), else one."""
    if len(breakdown) > 1:
        return [(part["tax_rate_id"], Decimal(part["base_currency_amount"])) for part in breakdown]
    return [(rate_id, amount)]


def split(db: Session, rate_id: str | None, net: Decimal, tax: Decimal, on: date) -> list[dict[str, str]]:
    """The breakdown of `tax` at a combined rate, for a posting that stores none (other payments): each component
    its percentage of `net` to the cent, the last one the remainder (as artefacts/compute.split); else empty."""
    rate = live(db, rate_id) if rate_id else None
    if rate is None or len(rate.components) < 2:
        return []
    parts = by_ids(db, rate.components)
    amounts = [(part_id, (net * percentage_on(parts[part_id], on) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP))
               for part_id in rate.components if part_id in parts]
    if len(amounts) < 2:
        return []
    amounts[-1] = (amounts[-1][0], tax - sum((amount for _, amount in amounts[:-1]), ZERO))
    return [{"tax_rate_id": part_id, "base_currency_amount": str(amount)} for part_id, amount in amounts]


def add_tax(db: Session, entries: Entries, amount: Decimal, *, rate_id: str | None, sales: bool, debit: bool,
            line_account_id: str, breakdown: Sequence[dict[str, str]] = (), line_recoverable: bool | None = None,
            contact_id: str | None = None, description: str = "", treatment: str | None = None) -> None:
    """Add the entries of one line's tax (its base-currency `amount`, on the side `debit`) to `entries`; they carry
    the document's VAT `treatment` (ledger/treatments.py), if any."""
    line_account = None if sales else db.get(LedgerAccount, line_account_id)
    for part_rate, part in components(amount, breakdown, rate_id):
        claimed = part
        if not sales:
            share = recoverable_share(part_rate, line_account, line_recoverable=line_recoverable)
            claimed = (part * share / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
            cost_account = (line_account.non_recoverable_ledger_account_id if line_account is not None else None)
            entries.add(cost_account or line_account_id, part - claimed, debit=debit, contact_id=contact_id,
                        description=description)
        entries.add(account_for(db, part_rate, sales=sales).id, claimed, debit=debit, contact_id=contact_id,
                    tax_rate_id=part_rate, description=description, tax_treatment=treatment)


def tax_account_ids(db: Session) -> tuple[frozenset[str], frozenset[str]]:
    """The ids of the business's output tax accounts and of its input tax accounts (the controls and the
    accounts its rates name), which a tax return sums; one query per unit of work."""
    known = _known(db)
    return known["output"], known["input"]


def import_account_ids(db: Session) -> frozenset[str]:
    """The ids of the business's accounts of import VAT paid at customs (among `tax_account_ids`' input accounts)."""
    return _known(db)["import"]


def _known(db: Session) -> dict[str, frozenset[str]]:
    known = cache(db, TAX_ACCOUNTS)
    if not known:
        known.update(_tax_account_ids(db))
    return known


def _tax_account_ids(db: Session) -> dict[str, frozenset[str]]:
    rate_ids = db.scalars(select(TaxRate.id)).all()
    found = [d for d in (tax_rate_def(r) for r in rate_ids) if d is not None]
    sales = {d.sales_account for d in found if d.sales_account}
    purchases = {d.purchase_account for d in found if d.purchase_account}
    imports = {d.import_account for d in found if d.import_account}
    named = _by_codes(db, sales | purchases | imports)

    def ids(codes: set[int]) -> set[str]:
        return {a.id for c in codes if (a := named[c]) is not None}
    imported = ids(imports)
    return {"output": frozenset({control(db, "SALES_TAX").id, *ids(sales)}),
            "input": frozenset({control(db, "PURCHASE_TAX").id, *ids(purchases), *imported}),
            "import": frozenset(imported)}
