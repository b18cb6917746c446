"""`/email_settings`: how documents are e-mailed (GET, PUT), in Sage's key order (which has no `$path`).

ledgerd sends no e-mail: Sage e-mails documents from its web app, and no v3.1 operation sends one, so
these settings are stored and returned for clients that read them. A business starts with the default
messages of its locale's language (data/common/settings.toml).
"""

from __future__ import annotations

from typing import Any

from ledgerd.api.pipeline import BusinessCall
from ledgerd.api.resources.settings_singleton import Singleton
from ledgerd.settings import service, updates
from ledgerd.settings.schemas import EmailSettingsUpdate


def _wire(call: BusinessCall) -> dict[str, Any]:
    stored = service.stored(call.db, "email")
    return {"default_messages": updates.email_default_messages(call.db, call.business.country_id),
            "pdf_attached": stored.get("pdf_attached", True), "send_bcc": stored.get("send_bcc", False),
            "updated_at": service.updated_at(call.db, "email")}


EMAIL_SETTINGS = Singleton("/email_settings", "email_settings", "email", EmailSettingsUpdate, _wire,
                           updates.email_changes)
