"""The document kinds served over the API and what sets each apart (one table holds them all)."""

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

    @property
    def corrective(self) -> bool:
        """A Spanish corrective invoice: it posts the signed difference it makes to an original invoice."""
        return self.kind.endswith("CORRECTIVE_INVOICE")


SALES_INVOICE = Kind("SALES_INVOICE", "sales_invoices", "sales_invoice", "invoice_lines", "invoice_number",
                     True, 1, "SALES_INVOICE", False, ("UNPAID", "DRAFT", "PRO_FORMA"))
SALES_CREDIT_NOTE = Kind("SALES_CREDIT_NOTE", "sales_credit_notes", "sales_credit_note", "credit_note_lines",
                         "credit_note_number", True, -1, "SALES_CREDIT_NOTE", False,
                         ("UNPAID", "DRAFT"))
SALES_QUOTE = Kind("SALES_QUOTE", "sales_quotes", "sales_quote", "quote_lines", "quote_number",
                   True, 0, None, True, ("PENDING", "DRAFT", "ACCEPTED", "DECLINED"))
SALES_ESTIMATE = Kind("SALES_ESTIMATE", "sales_estimates", "sales_estimate", "estimate_lines", "estimate_number",
                      True, 0, None, True, ("PENDING", "DRAFT", "ACCEPTED", "DECLINED"))
PURCHASE_INVOICE = Kind("PURCHASE_INVOICE", "purchase_invoices", "purchase_invoice", "invoice_lines", None,
                        False, 1, "PURCHASE_INVOICE", True, ("UNPAID", "DRAFT"))
PURCHASE_CREDIT_NOTE = Kind("PURCHASE_CREDIT_NOTE", "purchase_credit_notes", "purchase_credit_note",
                            "credit_note_lines", None, False, -1, "PURCHASE_CREDIT_NOTE", True,
                            ("UNPAID", "DRAFT"))

SALES_CORRECTIVE_INVOICE = Kind("SALES_CORRECTIVE_INVOICE", "sales_corrective_invoices", "sales_corrective_invoice",
                                "invoice_lines", "invoice_number", True, 1,
                                "SALES_CORRECTIVE_INVOICE", False, ("UNPAID", "DRAFT"))
PURCHASE_CORRECTIVE_INVOICE = Kind("PURCHASE_CORRECTIVE_INVOICE", "purchase_corrective_invoices",
                                   "purchase_corrective_invoice", "invoice_lines", None, False, 1,
                                   "PURCHASE_CORRECTIVE_INVOICE", True, ("UNPAID", "DRAFT"))

KINDS = (SALES_INVOICE, SALES_CREDIT_NOTE, SALES_QUOTE, SALES_ESTIMATE, PURCHASE_INVOICE, PURCHASE_CREDIT_NOTE)
# Served by artefacts/corrective.py on top of the same machinery.
CORRECTIVE_KINDS = (SALES_CORRECTIVE_INVOICE, PURCHASE_CORRECTIVE_INVOICE)


def _quick_entry(sales: bool, sign: int) -> Kind:
    """A one-line quick entry (served by `ledgerd.quick_entries`): it posts and is paid like the invoice or credit
    note it stands for, and is never numbered or drafted."""
    side, path = ("SALES", "sales") if sales else ("PURCHASE", "purchase")
    kind = f"{side}_QUICK_ENTRY_{'INVOICE' if sign > 0 else 'CREDIT_NOTE'}"
    return Kind(kind, f"{path}_quick_entries", f"{path}_quick_entry", "lines", None, sales, sign, kind, False,
                ("UNPAID",))


SALES_QUICK_ENTRY_INVOICE, SALES_QUICK_ENTRY_CREDIT_NOTE = _quick_entry(True, 1), _quick_entry(True, -1)
PURCHASE_QUICK_ENTRY_INVOICE, PURCHASE_QUICK_ENTRY_CREDIT_NOTE = _quick_entry(False, 1), _quick_entry(False, -1)
QUICK_ENTRY_KINDS = (SALES_QUICK_ENTRY_INVOICE, SALES_QUICK_ENTRY_CREDIT_NOTE, PURCHASE_QUICK_ENTRY_INVOICE,
                     PURCHASE_QUICK_ENTRY_CREDIT_NOTE)
QUICK_ENTRIES = frozenset(k.kind for k in QUICK_ENTRY_KINDS)
BY_KIND = {k.kind: k for k in (*KINDS, *CORRECTIVE_KINDS, *QUICK_ENTRY_KINDS)}
# Statuses of documents that are not (yet) in the ledger.
UNPOSTED = frozenset({"DRAFT", "PRO_FORMA"})
