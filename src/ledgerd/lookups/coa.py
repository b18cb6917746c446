"""Chart-of-accounts templates and their accounts, derived from each region's `ledger_accounts.toml`.

A region's one template (`coa_templates` in its `lookups.toml`) stands for the chart a new business of that
country is given (regions/seed.py), so `/coa_accounts` shows exactly the accounts seeding creates, never a
second copy of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from ledgerd.ledger.classifications import classification_of
from ledgerd.ledger.models import account_label
from ledgerd.regions import COUNTRIES
from ledgerd.regions.data import AccountDef, lookup, percentage_text, region, region_lookups

Item = Mapping[str, Any]


def _group(type_id: str) -> dict[str, str] | None:
    """The CoaGroupType of a ledger account type: `{id, displayed_as}` (the swagger gives it no `$path`)."""
    kind = lookup("ledger_account_types", type_id)
    group = lookup("ledger_account_groups", kind["group"]) if kind and kind.get("group") else None
    return {"id": group["id"], "displayed_as": group["displayed_as"]} if group else None


def _account(template: Item, account: AccountDef) -> dict[str, Any]:
    return {
        "id": f"{template['id']}_{account.nominal_code}",
        # As a seeded ledger account shows it ("Sales - Products (4000)").
        "displayed_as": account_label(account.name, account.nominal_code),
        "created_at": template["created_at"], "updated_at": template["updated_at"],
        "ledger_account_group": _group(account.type), "name": account.name, "control_name": account.control,
        "nominal_code": account.nominal_code, "ledger_account_type": account.type,
        "ledger_account_classification": classification_of(template["country"], account.nominal_code),
        "tax_rate": account.tax_rate,
        # Seeded accounts start with these off (regions/seed.py and the ledger account defaults).
        "fixed_tax_rate": False, "cis_materials": False, "cis_labour": False,
        "coa_template": template["id"], "country": template["country"],
    }


@cache
def template_accounts(template_id: str) -> tuple[Item, ...]:
    """The accounts of one template, in the chart's order; none for an unknown template."""
    for country in COUNTRIES:
        for template in region_lookups(country)["coa_templates"]:
            if template["id"] == template_id:
                return tuple(_account(template, a) for a in region(country).accounts)
    return ()


def country_accounts(country: str) -> tuple[Item, ...]:
    """The accounts of every template of a country."""
    if country not in COUNTRIES:
        return ()
    return tuple(a for t in region_lookups(country)["coa_templates"] for a in template_accounts(t["id"]))


def tax_rate_link(country: str, rate_id: str | None, on: date) -> dict[str, str] | None:
    """A link to a region's built-in tax rate, labelled as the business's copy of it is on `on`."""
    rate = next((r for r in region(country).tax_rates if r.id == rate_id), None) if rate_id else None
    if rate is None:
        return None
    shown = f"{rate.name} {percentage_text(rate.percentage_on(on))}%" if rate.label_percentage else rate.name
    return {"id": rate.id, "displayed_as": shown, "$path": f"/tax_rates/{rate.id}"}
