"""What an attachment can belong to: the records behind each context type, declared here.

`/attachment_context_types` (regions/data/common/attachment_context_types.toml) names each type and the
resource path of its records; this table says which rows those are (a table, and which of its rows when
the table holds several resources: one kind of document, contact payments or other payments, journals but
not opening-balance journals). The attachment rules look context records up here, and a record another
business owns stays out of reach like any other (the session's tenancy hooks scope every query).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from ledgerd.artefacts.kinds import CORRECTIVE_KINDS, KINDS, QUICK_ENTRY_KINDS
from ledgerd.artefacts.models import Artefact, listed_kinds
from ledgerd.banking.models import BankDeposit, BankTransfer
from ledgerd.contacts.models import Contact
from ledgerd.journals.models import Journal
from ledgerd.payments.models import Payment


@dataclass(frozen=True)
class Context:
    model: type[Any]
    # Narrows the table to this context type's rows (None: every row is one).
    scope: Callable[[Select[Any]], Select[Any]] | None = None

    def query(self) -> Select[Any]:
        stmt = select(self.model)
        return self.scope(stmt) if self.scope else stmt


def _documents() -> dict[str, Context]:
    """Each document path with the kinds it serves (a quick-entry path serves an invoice and a credit note)."""
    kinds: dict[str, list[str]] = defaultdict(list)
    for kind in (*KINDS, *CORRECTIVE_KINDS, *QUICK_ENTRY_KINDS):
        kinds[kind.path].append(kind.kind)
    return {path: Context(Artefact, listed_kinds(*names)["scope"]) for path, names in kinds.items()}


# By the context type's resource path (the data file's `path`).
CONTEXTS: dict[str, Context] = {
    **_documents(),
    "contacts": Context(Contact),
    "contact_payments": Context(Payment, lambda stmt: stmt.where(Payment.kind == "CONTACT_PAYMENT")),
    "other_payments": Context(Payment, lambda stmt: stmt.where(Payment.kind == "OTHER_PAYMENT")),
    "bank_transfers": Context(BankTransfer),
    "bank_deposits": Context(BankDeposit),
    "journals": Context(Journal, lambda stmt: stmt.where(Journal.transaction_type_id == "JOURNAL")),
}
# The tables of context records: deleting one of their rows takes its attachments along.
MODELS: tuple[type[Any], ...] = tuple(sorted({context.model for context in CONTEXTS.values()},
                                             key=lambda model: str(model.__tablename__)))
