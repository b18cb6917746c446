"""Contact request bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.limits import Amount, Integer

CreditTerms = Literal["month_end_invoice", "date_from_invoice", "immediate_invoice", "month_end_payment",
                      "date_from_payment", "immediate_payment"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AddressIn(_Body):
    """Lengths as Sage's Address definition (and its contact-import guide: post code at most 10)."""

    address_type_id: str | None = None
    name: str | None = Field(None, max_length=50)
    address_line_1: str | None = Field(None, max_length=50)
    address_line_2: str | None = Field(None, max_length=50)
    city: str | None = Field(None, max_length=50)
    postal_code: str | None = Field(None, max_length=10)
    region: str | None = Field(None, max_length=50)
    country_id: str | None = Field(None, max_length=2)
    country_group_id: str | None = None
    is_main_address: bool | None = None


class ContactPersonIn(_Body):
    """Lengths as Sage's ContactPerson definition."""

    name: str | None = Field(None, max_length=50)
    job_title: str | None = Field(None, max_length=50)
    telephone: str | None = Field(None, max_length=50)
    mobile: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=100)
    fax: str | None = Field(None, max_length=50)
    contact_person_type_ids: list[str] | None = None


class BankDetailsIn(_Body):
    account_name: str | None = Field(None, min_length=1, max_length=200)
    account_number: str | None = Field(None, max_length=50)
    sort_code: str | None = Field(None, max_length=20)
    bic: str | None = Field(None, max_length=20)
    iban: str | None = Field(None, max_length=50)


class TaxTreatmentIn(_Body):
    home_tax: bool | None = None
    eu_tax_registered: bool | None = None
    eu_not_tax_registered: bool | None = None
    rest_of_world_tax: bool | None = None
    is_importer: bool | None = None


class ContactCisSettingsIn(_Body):
    """Sage's ContactCisSettings (GB): the deduction rate is a CIS tax rate's id (`GET /tax_rates?cis_only=true`);
    HMRC's verification number is V and ten digits, with two letters after for an unmatched subcontractor."""

    registered_cis_name: str | None = Field(None, max_length=100)
    subcontractor_verification_number: str | None = Field(None, pattern=r"^V\d{10}([A-Z]{1,2})?$")
    deduction_rate_id: str | None = None


class ContactUpdate(_Body):
    contact_type_ids: list[Literal["CUSTOMER", "VENDOR"]] | None = Field(None, min_length=1)
    name: str | None = Field(None, min_length=1, max_length=100)
    reference: str | None = Field(None, max_length=10)
    default_sales_ledger_account_id: str | None = None
    default_sales_tax_rate_id: str | None = None
    default_purchase_ledger_account_id: str | None = None
    tax_number: str | None = Field(None, max_length=255)
    notes: str | None = Field(None, max_length=4000)
    locale: str | None = Field(None, max_length=10)
    main_address: AddressIn | None = None
    delivery_address: AddressIn | None = None
    main_contact_person: ContactPersonIn | None = None
    bank_account_details: BankDetailsIn | None = None
    credit_limit: Amount | None = Field(None, ge=0)
    credit_days: Integer | None = Field(None, ge=0, le=365)
    credit_terms: CreditTerms | None = None
    credit_terms_and_conditions: str | None = Field(None, max_length=2000)
    currency_id: str | None = Field(None, min_length=3, max_length=3)
    aux_reference: str | None = Field(None, max_length=4)
    registered_number: str | None = Field(None, max_length=25)
    email: str | None = Field(None, max_length=100)
    source_guid: str | None = Field(None, max_length=255)
    tax_treatment: TaxTreatmentIn | None = None
    is_active: bool | None = None
    # GB only (docs/decisions/cis.md).
    cis_registered: bool | None = None
    cis_settings: ContactCisSettingsIn | None = None


class ContactCreate(ContactUpdate):
    contact_type_ids: list[Literal["CUSTOMER", "VENDOR"]] = Field(min_length=1)
    name: str = Field(min_length=1, max_length=100)


# /addresses and /contact_persons

class AddressUpdate(_Body):
    address_type_id: str | None = None
    name: str | None = Field(None, max_length=50)
    is_main_address: bool | None = None
    address_line_1: str | None = Field(None, max_length=50)
    address_line_2: str | None = Field(None, max_length=50)
    city: str | None = Field(None, max_length=50)
    postal_code: str | None = Field(None, max_length=10)
    country_id: str | None = None
    bank_account_id: str | None = None
    contact_id: str | None = None
    region: str | None = Field(None, max_length=50)
    country_group_id: str | None = None


class AddressCreate(AddressUpdate):
    address_type_id: str
    name: str = Field(max_length=50)
    is_main_address: bool


class ContactPersonUpdate(_Body):
    address_id: str | None = None
    name: str | None = Field(None, min_length=1, max_length=50)
    contact_person_type_ids: list[str] | None = Field(None, min_length=1)
    job_title: str | None = Field(None, max_length=50)
    telephone: str | None = Field(None, max_length=50)
    mobile: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=100)
    fax: str | None = Field(None, max_length=50)
    is_main_contact: bool | None = None
    is_preferred_contact: bool | None = None


class ContactPersonCreate(ContactPersonUpdate):
    address_id: str
    name: str = Field(min_length=1, max_length=50)
    contact_person_type_ids: list[str] = Field(min_length=1)
