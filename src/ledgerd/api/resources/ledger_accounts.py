"""`/ledger_accounts` (list, create, read, update).

Balances are never stored: `balance_details` (with `show_balance_details=true`) sums the account's ledger
entries over `from_date`..`to_date` in one query per page. Nor is the classification: it is the class of
the nominal code in the business's country (`classifications`; `/ledger_account_classifications` is a
reference list served by `lookups`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, false, func, or_, select
from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.pipeline import BusinessCall, Call
from ledgerd.api.resource import Resource
from ledgerd.api.resources.ledger_links import links_for
from ledgerd.banking.models import BankAccount
from ledgerd.errors import Invalid
from ledgerd.http.errors import InvalidParameter
from ledgerd.ledger import balances, classifications
from ledgerd.ledger.models import LedgerAccount, TaxRate
from ledgerd.ledger.schemas import LedgerAccountCreate, LedgerAccountUpdate
from ledgerd.lookups.lists import link
from ledgerd.regions.data import VISIBILITY, lookup
from ledgerd.tenancy.models import Business

# `visible_in` names → Sage's `visible_scopes` names (the real response says `other_receipt`, singular).
SCOPES = {"banking": "bank", "expenses": "purchasing", "other_payments": "other_payment",
          "other_receipts": "other_receipt", "sales": "sales", "journals": "journals", "reporting": "reporting"}
# Where a new account shows when the request names no area at all.
DEFAULT_VISIBILITY = {"INCOME": ["sales", "other_receipts", "journals", "reporting"],
                      "EXPENDITURE": ["expenses", "other_payments", "journals", "reporting"]}
# What a control account keeps: the ledger relies on its role, type and visibility.
CONTROL_FIXED = ("ledger_account_type_id", "included_in_chart", *(f"visible_in_{area}" for area in VISIBILITY))


def _group(type_id: str) -> dict[str, str] | None:
    group = balances.group_of(type_id)
    item = lookup("ledger_account_groups", group) if group else None
    return {"id": item["id"], "displayed_as": item["displayed_as"]} if item else None


# `balance_details` on lists and reads.
BALANCE = (params.Param("show_balance_details", "boolean", "Add `balance_details`: debits, credits and balance."),
           params.Param("from_date", "date", "The first day `balance_details` counts (default: the first entry)."),
           params.Param("to_date", "date", "The last day `balance_details` counts (default: the last entry)."),
           params.Param("exclude_deleted_entries", "boolean", "Leave the entries of voided transactions (and "
                        "their reversals) out of `balance_details`."))


def _balance_range(call: Call) -> tuple[Any, Any] | None:
    query = call.query
    if not params.boolean("show_balance_details", query.get("show_balance_details", "false")):
        return None
    from_date = params.day("from_date", query["from_date"]) if query.get("from_date") else None
    to_date = params.day("to_date", query["to_date"]) if query.get("to_date") else None
    if from_date and to_date and from_date > to_date:
        raise InvalidParameter("from_date must not be after to_date.", "from_date")
    return from_date, to_date


def balance_details(total: balances.Sums, from_date: date | None, to_date: date | None) -> dict[str, Any]:
    """Sage's LedgerAccountBalanceDetails: the balance as a positive amount on its side."""
    return {"balance": abs(total.net), "credit_or_debit": "credit" if total.net < 0 else "debit",
            "credits": total.credits, "debits": total.debits, "from_date": from_date, "to_date": to_date}


def _country(call: BusinessCall) -> str:
    return call.business.country_id


def present(call: BusinessCall, accounts: Sequence[LedgerAccount]) -> list[dict[str, Any]]:
    country = _country(call)
    links = links_for(call.db, call.runtime.clock.now().date(), tax_rate_ids=[a.tax_rate_id for a in accounts],
                      account_ids=[a.non_recoverable_ledger_account_id for a in accounts])
    span = _balance_range(call)
    totals = {}
    if span is not None:
        exclude = params.boolean("exclude_deleted_entries", call.query.get("exclude_deleted_entries", "false"))
        totals = balances.sums(call.db, [a.id for a in accounts], from_date=span[0], to_date=span[1],
                               exclude_deleted=exclude)
    out = []
    for a in accounts:
        out.append({
            "id": a.id, "displayed_as": a.displayed_as, "$path": f"/ledger_accounts/{a.id}",
            "created_at": a.created_at, "updated_at": a.updated_at,
            "ledger_account_group": _group(a.ledger_account_type_id),
            "name": a.name, "display_name": a.display_name,
            "visible_scopes": sorted(SCOPES[area] for area in a.visible_in if area in SCOPES),
            "included_in_chart": a.included_in_chart, "nominal_code": a.nominal_code,
            "ledger_account_type": link("ledger_account_types", a.ledger_account_type_id),
            "ledger_account_classification": link(
                "ledger_account_classifications", classifications.classification_of(country, a.nominal_code), country),
            "tax_rate": links.tax_rate(a.tax_rate_id), "fixed_tax_rate": a.fixed_tax_rate,
            **{f"visible_in_{area}": area in a.visible_in for area in sorted(VISIBILITY)},
            "balance_details": balance_details(totals[a.id], *span) if span is not None else None,
            "is_control_account": a.control_name is not None, "control_name": a.control_name,
            "display_formatted": f"{a.nominal_code} - {a.display_name}",
            "tax_recoverable": a.tax_recoverable, "recoverable_percentage": a.recoverable_percentage,
            "non_recoverable_ledger_account": links.account(a.non_recoverable_ledger_account_id),
            "cis_materials": a.cis_materials, "tax_instalment": a.tax_instalment, "cis_labour": a.cis_labour,
            "gifi_code": a.gifi_code,
        })
    return out


def _taken(call: Call, nominal_code: int, exclude: str | None = None) -> bool:
    stmt = select(func.count()).select_from(LedgerAccount).where(LedgerAccount.nominal_code == nominal_code)
    if exclude:
        stmt = stmt.where(LedgerAccount.id != exclude)
    return bool(call.db.scalar(stmt))


def _apply(call: BusinessCall, account: LedgerAccount, body: LedgerAccountUpdate) -> None:
    """Checks and copies the fields given (the shared part of create and update)."""
    data = body.model_dump(exclude_unset=True)
    type_id = data.get("ledger_account_type_id")
    if type_id is not None and type_id != account.ledger_account_type_id:
        if lookup("ledger_account_types", type_id) is None:
            raise Invalid("Couldn't find ledger account type.", "ledger_account_type_id")
        if "BANK" in (type_id, account.ledger_account_type_id):
            raise Invalid("Bank ledger accounts come and go with their bank account (/bank_accounts).",
                          "ledger_account_type_id")
        account.ledger_account_type_id = type_id
    if data.get("nominal_code") is not None and data["nominal_code"] != account.nominal_code:
        if _taken(call, data["nominal_code"], exclude=account.id):
            raise Invalid("must be unique.", "nominal_code")
        account.nominal_code = data["nominal_code"]
    if data.get("ledger_account_classification_id") is not None:
        _check_classification(_country(call), data["ledger_account_classification_id"], account.nominal_code)
    if data.get("tax_rate_id") is not None:
        rate = call.db.get(TaxRate, (data["tax_rate_id"], account.business_id))
        if rate is None or rate.deleted:
            raise Invalid("Couldn't find tax rate.", "tax_rate_id")
        if "cis" in rate.usage:
            raise Invalid("A CIS deduction rate cannot be a ledger account's tax rate.", "tax_rate_id")
    _check_cis(call, account, data)
    if data.get("non_recoverable_ledger_account_id") is not None:
        other = call.db.get(LedgerAccount, data["non_recoverable_ledger_account_id"])
        if other is None or other.business_id != account.business_id or other.id == account.id:
            raise Invalid("Couldn't find ledger account.", "non_recoverable_ledger_account_id")
    for key in ("name", "display_name", "included_in_chart", "tax_rate_id", "fixed_tax_rate", "tax_recoverable",
                "recoverable_percentage", "non_recoverable_ledger_account_id", "cis_materials", "cis_labour",
                "gifi_code"):
        if key in data and (data[key] is not None or key in ("tax_rate_id", "non_recoverable_ledger_account_id",
                                                              "recoverable_percentage", "gifi_code",
                                                              "tax_recoverable")):
            setattr(account, key, data[key])
    areas = {area: data[f"visible_in_{area}"] for area in VISIBILITY if data.get(f"visible_in_{area}") is not None}
    if areas:
        account.visible_in = [a for a in VISIBILITY if areas.get(a, a in account.visible_in)]


def _check_cis(call: BusinessCall, account: LedgerAccount, data: dict[str, Any]) -> None:
    """CIS labour and materials flags (docs/decisions/cis.md): GB only, on income accounts (a subcontractor's
    sales) or expense accounts (a contractor's purchases), and a line is labour or materials, not both."""
    labour = data.get("cis_labour", account.cis_labour) or False
    materials = data.get("cis_materials", account.cis_materials) or False
    if not (labour or materials):
        return
    source = "cis_labour" if labour else "cis_materials"
    if _country(call) != "GB":
        raise Invalid("CIS applies only to ledger accounts of UK businesses.", source)
    type_id = data.get("ledger_account_type_id") or account.ledger_account_type_id
    if balances.group_of(type_id) not in ("INCOME", "EXPENDITURE"):
        raise Invalid("CIS labour and materials are flags of income and expense ledger accounts.", source)
    if labour and materials:
        raise Invalid("A ledger account is for CIS labour or for CIS materials, not both.", "cis_materials")


def _check_classification(country: str, key: str, nominal_code: int) -> None:
    """A classification given must be the one the nominal code derives: nothing else is stored."""
    found = classifications.find(key)
    if found is None or found["country"] != country:
        raise Invalid("Couldn't find ledger account classification.", "ledger_account_classification_id")
    if found["id"] != classifications.classification_of(country, nominal_code):
        raise Invalid(f"does not match nominal code {nominal_code}, whose number starts with its class.",
                      "ledger_account_classification_id")


def _create(call: BusinessCall, body: LedgerAccountCreate) -> LedgerAccount:
    if body.control_name is not None:
        raise Invalid("Control accounts cannot be created.", "control_name")
    if lookup("ledger_account_types", body.ledger_account_type_id) is None:
        raise Invalid("Couldn't find ledger account type.", "ledger_account_type_id")
    if body.ledger_account_type_id == "BANK":
        raise Invalid("Bank ledger accounts are created with their bank account (POST /bank_accounts).",
                      "ledger_account_type_id")
    if _taken(call, body.nominal_code):
        raise Invalid("must be unique.", "nominal_code")
    group = balances.group_of(body.ledger_account_type_id) or ""
    account = LedgerAccount(business_id=call.business.id, ledger_account_type_id=body.ledger_account_type_id,
                            name=body.name, display_name=body.display_name, nominal_code=body.nominal_code,
                            included_in_chart=body.included_in_chart,
                            visible_in=list(DEFAULT_VISIBILITY.get(group, ["journals", "reporting"])),
                            fixed_tax_rate=False, cis_materials=False, cis_labour=False, tax_instalment=False)
    if any(getattr(body, f"visible_in_{area}") is not None for area in VISIBILITY):
        account.visible_in = []
    _apply(call, account, body)
    call.db.add(account)
    call.db.flush()
    return account


def _update(call: BusinessCall, account: LedgerAccount, body: LedgerAccountUpdate) -> LedgerAccount:
    if body.control_name is not None and body.control_name != account.control_name:
        raise Invalid("The control name of a ledger account cannot be set or changed.", "control_name")
    if account.control_name is not None:
        current = {"ledger_account_type_id": account.ledger_account_type_id,
                   "included_in_chart": account.included_in_chart,
                   **{f"visible_in_{area}": area in account.visible_in for area in VISIBILITY}}
        for key in CONTROL_FIXED:
            value = getattr(body, key)
            if value is not None and value != current[key]:
                raise Invalid(f"{key} of a control account cannot be changed.", key)
    _apply(call, account, body)
    call.db.flush()
    return account


def _area(name: str, raw: str) -> str:
    if raw not in VISIBILITY:
        raise InvalidParameter(f"{name} must be one of {', '.join(VISIBILITY)}, got {raw!r}.", name)
    return f'"{raw}"'


def _flag(name: str, column: Any) -> Any:
    return lambda raw: column.is_(params.boolean(name, raw))


def _inactive_banks(raw: str) -> ColumnElement[bool]:
    if not params.boolean("filter_inactive_bank_accounts", raw):
        return LedgerAccount.id.is_not(None)
    inactive = select(BankAccount.ledger_account_id).where(BankAccount.is_active.is_(False))
    return LedgerAccount.id.not_in(inactive)


def _classified(raw: str) -> ColumnElement[bool]:
    """Accounts whose nominal code falls in the class, in businesses of the class's country."""
    found = classifications.find(raw.strip().upper())
    if found is None:
        return false()
    return and_(cast(LedgerAccount.nominal_code, String).startswith(found["prefix"]),
                LedgerAccount.business_id.in_(select(Business.id).where(Business.country_id == found["country"])))


def _search(term: str) -> ColumnElement[bool]:
    lowered = term.lower()
    return or_(func.lower(LedgerAccount.name).contains(lowered, autoescape=True),
               func.lower(LedgerAccount.display_name).contains(lowered, autoescape=True),
               cast(LedgerAccount.nominal_code, String).startswith(term, autoescape=True))


def _by_nominal_code(stmt: Select[Any]) -> Select[Any]:
    # The chart reads in nominal code order; the engine's default order only breaks ties.
    return stmt.order_by(LedgerAccount.nominal_code)


LEDGER_ACCOUNTS: Resource[LedgerAccount] = Resource(
    path="ledger_accounts", wrapper="ledger_account", model=LedgerAccount, present=present,
    displayed_as=lambda a: a.displayed_as, scope=_by_nominal_code,
    filters={
        "visible_in": lambda v: cast(LedgerAccount.visible_in, String).contains(_area("visible_in", v)),
        "not_visible_in": lambda v: ~cast(LedgerAccount.visible_in, String).contains(_area("not_visible_in", v)),
        "show_included_in_chart": _flag("show_included_in_chart", LedgerAccount.included_in_chart),
        "show_control_accounts": lambda v: LedgerAccount.control_name.is_not(None)
        if params.boolean("show_control_accounts", v) else LedgerAccount.control_name.is_(None),
        "ledger_account_type_id": lambda v: LedgerAccount.ledger_account_type_id == v.strip().upper(),
        "ledger_account_classification_id": _classified,
        "filter_inactive_bank_accounts": _inactive_banks,
    },
    # There are no per-user orderings here: the chart reads in nominal code order.
    query={"list": (*BALANCE, params.Param("sort_order_from_user_setting", "boolean", "Accepted; the chart is in "
                                           "nominal code order.")),
           "read": BALANCE},
    search=_search, create=_create, create_body=LedgerAccountCreate, update=_update, update_body=LedgerAccountUpdate,
)

routes: list[BaseRoute] = resource.routes(LEDGER_ACCOUNTS)
