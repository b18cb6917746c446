"""`/email_settings`: how documents are e-mailed (GET, PUT), in Sage's key order (which has no `$path`).

ledgerd sends no e-mail: Sage e-mails documents from its web app, and no v3.1 operation sends one, so
these settings are stored and returned for clients that read them. A business starts with the default
messages of its locale's language (data/common/settings.toml).
"""

from __future__ import annotations

import re
from typing import Any

from ledgerd.api.pipeline import Call
from ledgerd.api.resources.settings_singleton import Singleton
from ledgerd.errors import Invalid
from ledgerd.regions.data import lookups
from ledgerd.settings import service
from ledgerd.settings.defaults import email_messages, region_settings
from ledgerd.settings.schemas import EmailSettingsUpdate

_LOCALE = re.compile(r"^[a-z]{2}-[A-Z]{2}$")


def _messages(call: Call) -> list[dict[str, str]]:
    assert call.business is not None
    stored: list[dict[str, str]] | None = service.stored(call.db, "email").get("default_messages")
    return stored if stored is not None else email_messages(region_settings(call.business.country_id).locale)


def _wire(call: Call) -> dict[str, Any]:
    stored = service.stored(call.db, "email")
    return {"default_messages": _messages(call), "pdf_attached": stored.get("pdf_attached", True),
            "send_bcc": stored.get("send_bcc", False), "updated_at": service.updated_at(call.db, "email")}


def _merged(call: Call, given: list[dict[str, str]]) -> list[dict[str, str]]:
    """The messages after a PUT: each given one replaces the message of its type and locale, or is added."""
    types = {m["message_type"] for m in lookups().get("email_messages", ())}
    languages = {m["language"] for m in lookups().get("email_messages", ())}
    out = [dict(m) for m in _messages(call)]
    for index, message in enumerate(given):
        if message["message_type"] not in types:
            raise Invalid(f"must be one of {', '.join(sorted(types))}.", f"default_messages[{index}].message_type")
        if not _LOCALE.match(message["locale"]) or message["locale"][:2] not in languages:
            raise Invalid("is not a supported locale (en-GB, fr-FR, es-ES, de-DE, …).",
                          f"default_messages[{index}].locale")
        key = (message["message_type"], message["locale"])
        current = next((m for m in out if (m["message_type"], m["locale"]) == key), None)
        if current is None:
            out.append(dict(message))
        else:
            current["message"] = message["message"]
    return out


def _changes(call: Call, body: EmailSettingsUpdate) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True, exclude={"default_messages"})
    changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if body.default_messages is not None:
        changes["default_messages"] = _merged(call, [m.model_dump() for m in body.default_messages])
    return changes


EMAIL_SETTINGS = Singleton("/email_settings", "email_settings", "email", EmailSettingsUpdate, _wire, _changes)
