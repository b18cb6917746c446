"""Request bodies of sales and purchase quick entries (`postSalesQuickEntries`, `putPurchaseQuickEntries`, …).

A quick entry body is a document header (contact, date, reference, currency and rate: the `ArtefactIn` part,
so the artefact rules for those apply unchanged) plus the one line it stands for: ledger account, details,
net, tax rate, tax and total. `base_currency_*` amounts are derived and ignored when sent, as on documents;
so are the Canadian ITC figures (`gst_amount`, `pst_amount`, `tax_recoverable`), which ledgerd does not model.
"""

from __future__ import annotations

from pydantic import Field

from ledgerd.artefacts.schemas import ArtefactIn, LineIn
from ledgerd.limits import Amount


class QuickEntryIn(ArtefactIn):
    quick_entry_type_id: str | None = None
    ledger_account_id: str | None = None
    details: str | None = Field(None, max_length=255)
    net_amount: Amount | None = Field(None, ge=0)
    tax_rate_id: str | None = None
    tax_amount: Amount | None = Field(None, ge=0)
    total_amount: Amount | None = Field(None, ge=0)
    trade_of_asset: bool | None = None

    def lines(self) -> list[LineIn] | None:
        """A quick entry has no lines key: its one line is made of header attributes."""
        return None
