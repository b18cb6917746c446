"""The six document kinds served over the API and what sets each apart (one table holds them all)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    kind: str
    path: str
    wrapper: str
    lines_key: str
    # `invoice_number`, `credit_note_number`, … (None: the kind is not numbered, purchases).
    number_field: str | None
    prefix_setting: str | None
    sales: bool
    # +1 for an invoice (debtors/creditors grow), -1 for a credit note; 0 for kinds that never post.
    sign: int
    transaction_type_id: str | None
    # Line attributes a new line must send (§6.3), besides what every kind needs.
    line_quantity_required: bool
    # Statuses a client may give on create; the first is the default.
    initial_statuses: tuple[str, ...]

    @property
    def posts(self) -> bool:
        return self.sign != 0

    @property
    def contact_type(self) -> str:
        return "CUSTOMER" if self.sales else "VENDOR"

    @property
    def contact_label(self) -> str:
        return "Customer" if self.sales else "Supplier"

    @property
    def ledger_area(self) -> str:
        return "sales" if self.sales else "expenses"

    @property
    def tax_usage(self) -> str:
        return "sales" if self.sales else "purchase"

    @property
    def is_quote(self) -> bool:
        return self.kind in ("SALES_QUOTE", "SALES_ESTIMATE")

    @property
    def has_due_date(self) -> bool:
        return self.sign > 0

    @property
    def has_shipping(self) -> bool:
        return self.sales

    @property
    def has_discounts(self) -> bool:
        return self.sales


SALES_INVOICE = Kind("SALES_INVOICE", "sales_invoices", "sales_invoice", "invoice_lines", "invoice_number",
                     "sales_invoice_prefix", True, 1, "SALES_INVOICE", False, ("UNPAID", "DRAFT", "PRO_FORMA"))
SALES_CREDIT_NOTE = Kind("SALES_CREDIT_NOTE", "sales_credit_notes", "sales_credit_note", "credit_note_lines",
                         "credit_note_number", "sales_credit_note_prefix", True, -1, "SALES_CREDIT_NOTE", False,
                         ("UNPAID", "DRAFT"))
SALES_QUOTE = Kind("SALES_QUOTE", "sales_quotes", "sales_quote", "quote_lines", "quote_number",
                   "sales_quote_prefix", True, 0, None, True, ("PENDING", "DRAFT", "ACCEPTED", "DECLINED"))
SALES_ESTIMATE = Kind("SALES_ESTIMATE", "sales_estimates", "sales_estimate", "estimate_lines", "estimate_number",
                      "sales_estimate_prefix", True, 0, None, True, ("PENDING", "DRAFT", "ACCEPTED", "DECLINED"))
PURCHASE_INVOICE = Kind("PURCHASE_INVOICE", "purchase_invoices", "purchase_invoice", "invoice_lines", None, None,
                        False, 1, "PURCHASE_INVOICE", True, ("UNPAID", "DRAFT"))
PURCHASE_CREDIT_NOTE = Kind("PURCHASE_CREDIT_NOTE", "purchase_credit_notes", "purchase_credit_note",
                            "credit_note_lines", None, None, False, -1, "PURCHASE_CREDIT_NOTE", True,
                            ("UNPAID", "DRAFT"))

KINDS = (SALES_INVOICE, SALES_CREDIT_NOTE, SALES_QUOTE, SALES_ESTIMATE, PURCHASE_INVOICE, PURCHASE_CREDIT_NOTE)
BY_KIND = {k.kind: k for k in KINDS}
# Statuses of documents that are not (yet) in the ledger.
UNPOSTED = frozenset({"DRAFT", "PRO_FORMA"})
