"""One table for every sales and purchase document, so allocations and numbering treat them alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Select,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ledgerd.db.base import Base, Fine, IdColumn, Money, new_id
from ledgerd.db.records import Record
from ledgerd.db.tenancy import TenantScoped


class Artefact(Record, Base):
    __tablename__ = "artefacts"
    __table_args__ = (
        UniqueConstraint("business_id", "kind", "number"),
        Index("ix_artefacts_list", "business_id", "kind", "date"),
        # The default list order (created_at, id) of every document list.
        Index("ix_artefacts_created", "business_id", "kind", "created_at", "id"),
        Index("ix_artefacts_contact", "business_id", "contact_id"),
    )

    # SALES_INVOICE, SALES_CREDIT_NOTE, SALES_QUOTE, SALES_ESTIMATE, PURCHASE_INVOICE, PURCHASE_CREDIT_NOTE,
    # SALES_CORRECTIVE_INVOICE, PURCHASE_CORRECTIVE_INVOICE,
    # CUSTOMER_PAYMENT_ON_ACCOUNT, VENDOR_PAYMENT_ON_ACCOUNT, and the contact opening balance kinds.
    kind: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    contact_name: Mapped[str] = mapped_column(String(255), default="")
    contact_reference: Mapped[str] = mapped_column(String(50), default="")
    number_prefix: Mapped[str] = mapped_column(String(10), default="")
    # Sequential per business and kind for numbered kinds (never skips, never repeats); else NULL.
    number: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column()
    due_date: Mapped[dt.date | None] = mapped_column()
    expiry_date: Mapped[dt.date | None] = mapped_column()
    # Credit notes: the date of the invoice they credit, as the client gives it.
    original_invoice_date: Mapped[dt.date | None] = mapped_column()
    reference: Mapped[str] = mapped_column(String(255), default="")
    vendor_reference: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    terms_and_conditions: Mapped[str] = mapped_column(Text, default="")
    main_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    delivery_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    shipping_net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    shipping_tax_rate_id: Mapped[str | None] = mapped_column(String(40))
    shipping_tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Same shape as ArtefactLine.tax_breakdown.
    shipping_tax_breakdown: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total_quantity: Mapped[Decimal] = mapped_column(Fine, default=Decimal(0))
    total_discount_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    currency_id: Mapped[str] = mapped_column(String(3))
    exchange_rate: Mapped[Decimal] = mapped_column(Fine, default=Decimal(1))
    base_currency_shipping_net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    base_currency_shipping_tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    base_currency_net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    base_currency_tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    base_currency_total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    base_currency_total_discount_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Derived from allocations by the payments service; kept here so lists need no aggregation.
    outstanding_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total_discount_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    last_paid: Mapped[dt.date | None] = mapped_column()
    status_id: Mapped[str] = mapped_column(String(20))
    sent: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_by_email: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str | None] = mapped_column(String(255))
    transaction_id: Mapped[str | None] = mapped_column(IdColumn)
    # The quote an invoice was made from; the invoice a corrective invoice corrects.
    original_artefact_id: Mapped[str | None] = mapped_column(IdColumn)
    # Corrective invoices (Spain): why the original is corrected (/corrective_reason_codes).
    corrective_reason_code_id: Mapped[str | None] = mapped_column(String(40))
    tax_address_region_id: Mapped[str | None] = mapped_column(String(10))
    details: Mapped[str] = mapped_column(String(255), default="")
    # Sage's VAT treatments (docs/decisions/vat-treatments.md): the customer accounts for the VAT (reverse
    # charge), or import VAT is accounted for on the return (postponed accounting, purchases only).
    vat_reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    postponed_accounting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Spanish IRPF withheld by the customer (docs/decisions/spain.md): a percentage of the lines' net, None where
    # none applies. The contact pays the total less the withholding; the withholding goes to Hacienda.
    withholding_tax_rate: Mapped[Decimal | None] = mapped_column(Fine)
    withholding_tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    base_currency_withholding_tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0),
                                                                          server_default="0")
    # GB CIS (docs/decisions/cis.md): the net of the lines on CIS labour accounts the deduction (the withholding
    # above) is taken from; None where the document is not CIS (`is_cis`). Whether lines name CIS labour or
    # materials accounts, as they stood when the document was last figured.
    cis_applicable_amount: Mapped[Decimal | None] = mapped_column(Money)
    base_currency_cis_applicable_amount: Mapped[Decimal | None] = mapped_column(Money)
    has_cis_labour: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    has_cis_materials: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    lines: Mapped[list[ArtefactLine]] = relationship(order_by="ArtefactLine.position", lazy="selectin",
                                                     cascade="all, delete-orphan")

    @property
    def document_number(self) -> str:
        return f"{self.number_prefix}{self.number}" if self.number is not None else ""

    @property
    def is_cis(self) -> bool:
        return self.cis_applicable_amount is not None

    @property
    def payable(self) -> Decimal:
        """What the contact settles: the total less any IRPF or CIS withheld (the tax authority is paid the
        rest); Sage's `total_after_cis_deduction` on a CIS document."""
        return self.total_amount - (self.withholding_tax_amount or Decimal(0))

    @property
    def base_payable(self) -> Decimal:
        return self.base_currency_total_amount - (self.base_currency_withholding_tax_amount or Decimal(0))


class ArtefactCount(TenantScoped, Base):
    """How many documents of one kind a business has, kept by the database itself: triggers on `artefacts`
    (migration 0002) count every insert and delete and every change of kind, whoever writes the row. An
    unfiltered list answers its `$total` from here instead of counting its documents on every page."""

    __tablename__ = "artefact_counts"
    __table_args__ = (PrimaryKeyConstraint("business_id", "kind"),)

    kind: Mapped[str] = mapped_column(String(40))
    documents: Mapped[int] = mapped_column(Integer)


class KindsListed(TypedDict):
    scope: Callable[[Select[Any]], Select[Any]]
    kept_total: Callable[[Session], int]


def listed_kinds(*kinds: str) -> KindsListed:
    """`scope` and `kept_total` of a resource that lists the documents of these kinds: `Resource(**…)`."""
    def scope(stmt: Select[Any]) -> Select[Any]:
        return stmt.where(Artefact.kind == kinds[0] if len(kinds) == 1 else Artefact.kind.in_(kinds))

    def kept_total(db: Session) -> int:
        return db.scalar(select(func.sum(ArtefactCount.documents)).where(ArtefactCount.kind.in_(kinds))) or 0

    return {"scope": scope, "kept_total": kept_total}


class ArtefactLine(Base):
    __tablename__ = "artefact_lines"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    artefact_id: Mapped[str] = mapped_column(ForeignKey("artefacts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(255))
    product_id: Mapped[str | None] = mapped_column(IdColumn)
    service_id: Mapped[str | None] = mapped_column(IdColumn)
    ledger_account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"))
    quantity: Mapped[Decimal] = mapped_column(Fine)
    unit_price: Mapped[Decimal] = mapped_column(Fine)
    unit_price_includes_tax: Mapped[bool] = mapped_column(Boolean, default=False)
    discount_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    discount_percentage: Mapped[Decimal] = mapped_column(Fine, default=Decimal(0))
    net_amount: Mapped[Decimal] = mapped_column(Money)
    tax_rate_id: Mapped[str | None] = mapped_column(String(40))
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    # [{"tax_rate_id": "CA_GST", "percentage": "5.0", "amount": "5.0", "base_currency_amount": "3.95"}, ...]:
    # one part per component of a combined rate, else one part; empty without a tax rate.
    tax_breakdown: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    base_currency_unit_price: Mapped[Decimal] = mapped_column(Fine)
    base_currency_net_amount: Mapped[Decimal] = mapped_column(Money)
    base_currency_tax_amount: Mapped[Decimal] = mapped_column(Money)
    base_currency_total_amount: Mapped[Decimal] = mapped_column(Money)
    base_currency_discount_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    eu_goods_services_type_id: Mapped[str | None] = mapped_column(String(20))
    trade_of_asset: Mapped[bool] = mapped_column(Boolean, default=False)
    is_purchase_for_resale: Mapped[bool] = mapped_column(Boolean, default=False)
    # A purchase line's tax claimed back (None: as its rate and account say); False: none, it is part of the cost.
    tax_recoverable: Mapped[bool | None] = mapped_column(Boolean)


class Allocation(Record, Base):
    """`amount` (and `discount`) of a payment or contact allocation applied to one artefact.

    Kept with the documents it settles: their paid, outstanding and status fields are derived from these rows
    (artefacts/status.py); the payments package writes them."""

    __tablename__ = "allocations"

    artefact_id: Mapped[str] = mapped_column(ForeignKey("artefacts.id"), index=True)
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    contact_allocation_id: Mapped[str | None] = mapped_column(
        ForeignKey("contact_allocations.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # What the settled part (amount + discount) of the artefact was worth in base currency when it was
    # posted; the artefact's base value less the sum of these is what its control account still carries.
    base_currency_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
