"""Request bodies of analysis types, analysis type categories and journal codes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ledgerd.limits import MAX_LINES


def _category_id(value: Any) -> Any:
    """A line's category as Sage's bodies give it (its id), or as a GET shows it (a link object with `id`), so a
    fetched line can be sent back as it is."""
    return value.get("id") if isinstance(value, dict) else value


# What a document, journal or other-payment line accepts in `analysis_type_categories`.
CategoryIds = list[Annotated[str, BeforeValidator(_category_id), Field(min_length=1, max_length=32)]]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class CategoryUpdate(_Body):
    code: str | None = Field(None, min_length=1, max_length=10)
    name: str | None = Field(None, min_length=1, max_length=50)
    # Computed from the type's and the category's legacy ids; accepted and ignored.
    combined_id: str | None = None
    analysis_type_id: str | None = None


class CategoryCreate(CategoryUpdate):
    name: str = Field(min_length=1, max_length=50)
    analysis_type_id: str


class AnalysisTypeUpdate(_Body):
    name: str | None = Field(None, min_length=1, max_length=50)
    active_areas: list[str] | None = None
    analysis_type_categories: list[CategoryUpdate] | None = Field(None, max_length=MAX_LINES)


class JournalCodeUpdate(_Body):
    name: str | None = Field(None, min_length=1, max_length=255)
    code: str | None = Field(None, min_length=1, max_length=255)
    journal_code_type_id: str | None = None
    control_name: str | None = Field(None, max_length=255)
    # Derived from control_name (a code is reserved when it has one); accepted and ignored.
    reserved: bool | None = None


class JournalCodeCreate(JournalCodeUpdate):
    name: str = Field(min_length=1, max_length=255)
    code: str = Field(min_length=1, max_length=255)
    journal_code_type_id: str
