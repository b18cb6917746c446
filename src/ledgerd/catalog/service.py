"""Catalog rules: valid accounts, tax rates and suppliers, unique item codes, one price per price type."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from ledgerd.catalog.models import CatalogItem, PriceType
from ledgerd.catalog.schemas import (
    PriceTypeCreate,
    PriceTypeUpdate,
    ProductUpdate,
    SalesPriceIn,
    SalesRateIn,
    ServiceUpdate,
)
from ledgerd.contacts.models import Contact
from ledgerd.db.base import new_id
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.formats import decimal_str, timestamp_str
from ledgerd.ledger.accounts import usable
from ledgerd.ledger.models import TaxRate

ZERO = Decimal(0)
PRODUCT, SERVICE = "PRODUCT", "SERVICE"
# What a new business starts with. Sage UK seeds the three product price types (api-v3.1.md §6.6);
# its service rate types are not documented, so the two rates a service business quotes most.
DEFAULT_PRICE_TYPES = {PRODUCT: ("Sales Price", "Trade", "Wholesale"), SERVICE: ("Hourly", "Daily")}
# Wire vocabulary of a price entry, per item kind: (list, type id, name, amount, includes tax).
PRICE_WORDS = {
    PRODUCT: ("sales_prices", "product_sales_price_type_id", "price_name", "price", "price_includes_tax"),
    SERVICE: ("sales_rates", "service_rate_type_id", "rate_name", "rate", "rate_includes_tax"),
}
NOUN = {PRODUCT: "product", SERVICE: "service", "STOCK_ITEM": "stock item"}


def seed_price_types(db: Session, business_id: str, now: datetime) -> None:
    """Give a new business Sage's default price and rate types (does nothing if it has some already)."""
    if db.scalar(select(func.count()).select_from(PriceType).where(PriceType.business_id == business_id)):
        return
    for kind, names in DEFAULT_PRICE_TYPES.items():
        for n, name in enumerate(names):
            # Lists are in creation order: a microsecond apart keeps Sage's order of the defaults.
            stamp = now + timedelta(microseconds=n)
            db.add(PriceType(business_id=business_id, kind=kind, name=name, active=True, created_at=stamp,
                             updated_at=stamp))
    db.flush()


def price_kind(item: CatalogItem) -> str:
    """Services have rate types; products and stock items have product sales price types."""
    return SERVICE if item.item_type == SERVICE else PRODUCT


def price_types(db: Session, kind: str) -> list[PriceType]:
    return list(db.scalars(select(PriceType).where(PriceType.kind == kind)
                           .order_by(PriceType.created_at, PriceType.legacy_id)))


def _tax_rate(db: Session, business_id: str, rate_id: str, usage: str, source: str) -> str:
    rate = db.get(TaxRate, (rate_id, business_id))
    if rate is None or rate.deleted or (rate.usage and usage not in rate.usage):
        raise Invalid("Couldn't find tax rate.", source)
    return rate.id


def _supplier(db: Session, contact_id: str) -> str:
    contact = db.get(Contact, contact_id)
    if contact is None or contact.business_id != current_business(db) or not contact.is_vendor:
        raise Invalid("Couldn't find Supplier.", "usual_supplier_id")
    return contact.id


def _unique_code(db: Session, item: CatalogItem, code: str) -> None:
    if not code:
        return
    stmt = select(func.count()).select_from(CatalogItem).where(func.lower(CatalogItem.item_code) == code.lower())
    if item.id is not None:
        stmt = stmt.where(CatalogItem.id != item.id)
    if db.scalar(stmt):
        raise Invalid("must be unique.", "item_code")


def _apply(db: Session, item: CatalogItem, body: ProductUpdate | ServiceUpdate) -> None:
    data = body.model_dump(exclude_unset=True)
    for key in ("description", "notes", "cost_price", "source_guid", "purchase_description", "active",
                "oss_service"):
        if data.get(key) is not None:
            setattr(item, key, data[key])
    if body.item_code is not None and body.item_code != item.item_code:
        _unique_code(db, item, body.item_code)
        item.item_code = body.item_code
    if body.sales_ledger_account_id is not None:
        item.sales_ledger_account_id = usable(db, body.sales_ledger_account_id, area="sales",
                                              source="sales_ledger_account_id").id
    if body.purchase_ledger_account_id is not None:
        item.purchase_ledger_account_id = usable(db, body.purchase_ledger_account_id, area="expenses",
                                                 source="purchase_ledger_account_id").id
    if body.sales_tax_rate_id is not None:
        item.sales_tax_rate_id = _tax_rate(db, item.business_id, body.sales_tax_rate_id, "sales",
                                           "sales_tax_rate_id")
    if body.purchase_tax_rate_id is not None:
        item.purchase_tax_rate_id = _tax_rate(db, item.business_id, body.purchase_tax_rate_id, "purchase",
                                              "purchase_tax_rate_id")
    if body.usual_supplier_id is not None:
        item.usual_supplier_id = _supplier(db, body.usual_supplier_id)


def merge_prices(db: Session, item: CatalogItem, kind: str, given: Sequence[SalesPriceIn | SalesRateIn] | None,
            now: datetime, *, fill: bool) -> None:
    """Merge the given prices (rates) into the item's list, one entry per type of `kind` (PRODUCT for
    products and stock items, SERVICE for services); `fill` also adds a zero price for every active type."""
    words = PRICE_WORDS[kind]
    types = price_types(db, kind)
    by_id = {t.id: t for t in types}
    by_name = {t.name.lower(): t for t in types}
    entries = {e["type_id"]: dict(e) for e in item.sales_prices or []}
    stamp = timestamp_str(now)

    def entry(type_id: str) -> dict[str, Any]:
        if type_id not in entries:
            entries[type_id] = {"id": new_id(), "type_id": type_id, "price": "0.0", "includes_tax": False,
                                "created_at": stamp, "updated_at": stamp}
        return entries[type_id]

    if fill:
        for price_type in types:
            if price_type.active:
                entry(price_type.id)
    for index, raw in enumerate(given or ()):
        values = raw.model_dump()
        type_id, name = values[words[1]], values[words[2]]
        found = by_id.get(type_id) if type_id else by_name.get(name.lower()) if name else None
        if found is None:
            what = "product sales price type" if kind == PRODUCT else "service rate type"
            raise Invalid(f"Couldn't find {what}.", f"{words[0]}[{index}].{words[1]}")
        current = entry(found.id)
        changed = dict(current)
        if values[words[3]] is not None:
            changed["price"] = decimal_str(values[words[3]])
        if values[words[4]] is not None:
            changed["includes_tax"] = values[words[4]]
        if changed != current:
            changed["updated_at"] = stamp
            entries[found.id] = changed
    order = {t.id: n for n, t in enumerate(types)}
    item.sales_prices = sorted(entries.values(), key=lambda e: order.get(e["type_id"], len(order)))


def create(db: Session, business_id: str, kind: str, body: ProductUpdate | ServiceUpdate,
           now: datetime) -> CatalogItem:
    if isinstance(body, ProductUpdate) and body.catalog_item_type_id not in (None, PRODUCT):
        raise Invalid("Only non-stock products (PRODUCT) are created here; use /stock_items for stock.",
                      "catalog_item_type_id")
    item = CatalogItem(business_id=business_id, item_type=kind, description=body.description or "",
                       sales_prices=[], active=True)
    _apply(db, item, body)
    merge_prices(db, item, kind, _given(body), now, fill=True)
    db.add(item)
    db.flush()
    return item


def update(db: Session, item: CatalogItem, body: ProductUpdate | ServiceUpdate, now: datetime) -> CatalogItem:
    if isinstance(body, ProductUpdate) and body.catalog_item_type_id not in (None, PRODUCT):
        raise Invalid("A product's type cannot be changed.", "catalog_item_type_id")
    _apply(db, item, body)
    given = _given(body)
    if given is not None:
        merge_prices(db, item, price_kind(item), given, now, fill=False)
    db.flush()
    return item


def _given(body: ProductUpdate | ServiceUpdate) -> Sequence[SalesPriceIn | SalesRateIn] | None:
    return body.sales_prices if isinstance(body, ProductUpdate) else body.sales_rates


def check_deletable(item: CatalogItem, on_documents: bool) -> None:
    """An item used on documents (artefacts.usage.items_on_documents) stays: it can be deactivated."""
    if on_documents:
        raise Invalid(f"The {NOUN[item.item_type]} is used on documents and cannot be deleted; "
                      "deactivate it instead (active: false).", "base")


def _unique_type_name(db: Session, kind: str, name: str, exclude: str | None) -> None:
    stmt = select(func.count()).select_from(PriceType).where(PriceType.kind == kind,
                                                               func.lower(PriceType.name) == name.lower())
    if exclude:
        stmt = stmt.where(PriceType.id != exclude)
    if db.scalar(stmt):
        raise Invalid("must be unique.", "name")


def create_price_type(db: Session, business_id: str, kind: str, body: PriceTypeCreate) -> PriceType:
    _unique_type_name(db, kind, body.name, None)
    price_type = PriceType(business_id=business_id, kind=kind, name=body.name, active=body.active)
    db.add(price_type)
    db.flush()
    return price_type


def update_price_type(db: Session, price_type: PriceType, body: PriceTypeUpdate) -> PriceType:
    if body.name is not None and body.name != price_type.name:
        _unique_type_name(db, price_type.kind, body.name, price_type.id)
        price_type.name = body.name
    if body.active is not None:
        price_type.active = body.active
    db.flush()
    return price_type


def release_price_type(db: Session, price_type: PriceType) -> None:
    """Before deleting a type: refuse while an item has a price for it, else drop its zero entries."""
    # Ids are unique 32-hex strings, so a text match on the JSON narrows the scan safely.
    # Stock items carry product sales prices too.
    kinds = (PRODUCT, "STOCK_ITEM") if price_type.kind == PRODUCT else (SERVICE,)
    items = db.scalars(select(CatalogItem).where(
        CatalogItem.item_type.in_(kinds), cast(CatalogItem.sales_prices, String).contains(price_type.id))).all()
    for item in items:
        mine = [e for e in item.sales_prices if e["type_id"] == price_type.id]
        if any(Decimal(e["price"]) != ZERO for e in mine):
            raise Invalid(f"The {'price' if price_type.kind == PRODUCT else 'rate'} type is in use by "
                          f"{item.displayed_as}; deactivate it instead (active: false).", "base")
        if mine:
            item.sales_prices = [e for e in item.sales_prices if e["type_id"] != price_type.id]
    db.flush()
