"""Request bodies of journals and opening balance journals."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.analysis.schemas import CategoryIds
from ledgerd.limits import MAX_LINES, Day
from ledgerd.limits import NonNegativeAmount as Amount


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class JournalLineIn(_Body):
    ledger_account_id: str
    debit: Amount
    credit: Amount
    details: str = Field("", max_length=255)
    analysis_type_categories: CategoryIds | None = None
    include_on_tax_return: bool = False


class JournalCreate(_Body):
    date: Day
    reference: str = Field(min_length=1, max_length=255)
    description: str = Field("", max_length=200)
    total: Amount | None = None
    journal_lines: list[JournalLineIn] = Field(min_length=1, max_length=MAX_LINES)


class JournalReissue(_Body):
    """`POST /journals/{key}/reissue`: whatever is given replaces the old journal's value."""

    date: Day | None = None
    reference: str | None = Field(None, min_length=1, max_length=255)
    description: str | None = Field(None, max_length=200)
    total: Amount | None = None
    journal_lines: list[JournalLineIn] | None = Field(None, min_length=1, max_length=MAX_LINES)


class OpeningBalanceLineIn(_Body):
    ledger_account_id: str
    debit: Amount
    credit: Amount
    details: str = Field("", max_length=255)


class OpeningBalanceJournalCreate(_Body):
    date: Day | None = None
    reference: str | None = Field(None, max_length=25)
    journal_lines: list[OpeningBalanceLineIn] = Field(min_length=1, max_length=MAX_LINES)
