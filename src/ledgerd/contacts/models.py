"""Contact models."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerd.db.base import Base, IdColumn, Money
from ledgerd.db.records import Record


def contact_label(name: str, reference: str | None) -> str:
    """How a contact is displayed: "Name (REF)", or the name alone."""
    return f"{name} ({reference})" if reference else name


class Contact(Record, Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("business_id", "reference"),)

    # ["CUSTOMER"], ["VENDOR"] or both.
    contact_type_ids: Mapped[list[str]] = mapped_column(JSON)
    name: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str] = mapped_column(String(10))
    default_sales_ledger_account_id: Mapped[str | None] = mapped_column(IdColumn)
    default_sales_tax_rate_id: Mapped[str | None] = mapped_column(String(40))
    default_purchase_ledger_account_id: Mapped[str | None] = mapped_column(IdColumn)
    tax_number: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(10), default="en")
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    credit_days: Mapped[int | None] = mapped_column(Integer)
    credit_terms: Mapped[str | None] = mapped_column(String(30))
    credit_terms_and_conditions: Mapped[str | None] = mapped_column(Text)
    currency_id: Mapped[str | None] = mapped_column(String(3))
    aux_reference: Mapped[str] = mapped_column(String(4), default="")
    registered_number: Mapped[str] = mapped_column(String(25), default="")
    email: Mapped[str] = mapped_column(String(100), default="")
    source_guid: Mapped[str | None] = mapped_column(String(255))
    tax_treatment: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    bank_account_details: Mapped[dict[str, str] | None] = mapped_column(JSON)
    system: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    gb_based: Mapped[bool] = mapped_column(Boolean, default=False)
    ni_based: Mapped[bool] = mapped_column(Boolean, default=False)
    cis_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    # GB CIS (docs/decisions/cis.md): registered_cis_name, subcontractor_verification_number, deduction_rate_id.
    cis_settings: Mapped[dict[str, str | None] | None] = mapped_column(JSON)

    addresses: Mapped[list[Address]] = relationship(order_by="Address.created_at", lazy="selectin",
                                                    back_populates="contact")
    contact_persons: Mapped[list[ContactPerson]] = relationship(order_by="ContactPerson.created_at",
                                                                lazy="selectin", back_populates="contact")

    @property
    def displayed_as(self) -> str:
        return contact_label(self.name, self.reference)

    @property
    def is_customer(self) -> bool:
        return "CUSTOMER" in self.contact_type_ids

    @property
    def is_vendor(self) -> bool:
        return "VENDOR" in self.contact_type_ids


class Address(Record, Base):
    __tablename__ = "addresses"

    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    bank_account_id: Mapped[str | None] = mapped_column(IdColumn)
    address_type_id: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    address_line_1: Mapped[str] = mapped_column(String(255), default="")
    address_line_2: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(255), default="")
    postal_code: Mapped[str] = mapped_column(String(50), default="")
    region: Mapped[str] = mapped_column(String(255), default="")
    country_id: Mapped[str | None] = mapped_column(String(2))
    country_group_id: Mapped[str | None] = mapped_column(String(10))
    is_main_address: Mapped[bool] = mapped_column(Boolean, default=False)

    contact: Mapped[Contact | None] = relationship(back_populates="addresses")

    @property
    def displayed_as(self) -> str:
        parts = [self.address_line_1, self.address_line_2, self.city, self.region, self.postal_code]
        return "\n".join(p for p in parts if p)


class ContactPerson(Record, Base):
    __tablename__ = "contact_persons"

    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    address_id: Mapped[str | None] = mapped_column(IdColumn)
    contact_person_type_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(255))
    job_title: Mapped[str] = mapped_column(String(255), default="")
    telephone: Mapped[str] = mapped_column(String(50), default="")
    mobile: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    fax: Mapped[str] = mapped_column(String(50), default="")
    is_main_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    is_preferred_contact: Mapped[bool] = mapped_column(Boolean, default=False)

    contact: Mapped[Contact | None] = relationship(back_populates="contact_persons")

    @property
    def displayed_as(self) -> str:
        return self.name
