"""`/hosted_artefact_payment_settings`: switch off online (card) payment for a sales invoice, or for every
invoice of a customer.

Sage shows an invoice it e-mails on a hosted page with a "pay now" button run by its payment provider.
ledgerd has no provider: the provider is simulated by `online_payment_enabled`, the one question a payment
page would ask (may this invoice be paid online?), answered from these settings; no money moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.pipeline import BusinessCall, Call
from ledgerd.api.resource import Resource
from ledgerd.artefacts.models import Artefact
from ledgerd.contacts.models import Contact
from ledgerd.errors import Invalid
from ledgerd.settings.models import HostedArtefactPaymentSetting
from ledgerd.settings.schemas import HostedArtefactPaymentSettingCreate

# The documents a customer could pay online.
PAYABLE_KINDS = ("SALES_INVOICE", "SALES_CORRECTIVE_INVOICE")


def online_payment_enabled(db: Session, artefact: Artefact) -> bool:
    """The simulated provider's answer: an invoice may be paid online unless a setting disables it, for the
    invoice itself or for its customer."""
    if artefact.kind not in PAYABLE_KINDS:
        return False
    disabled = db.scalar(select(HostedArtefactPaymentSetting.id).where(
        HostedArtefactPaymentSetting.object_guid.in_((artefact.id, artefact.contact_id)),
        HostedArtefactPaymentSetting.disable_payment.is_(True)).limit(1))
    return disabled is None


def present(call: Call, settings: Sequence[HostedArtefactPaymentSetting]) -> list[dict[str, Any]]:
    return [{"id": s.id, "displayed_as": s.object_label, "$path": f"/hosted_artefact_payment_settings/{s.id}",
             "object_guid": s.object_guid, "disable_payment": s.disable_payment} for s in settings]


def _label(call: Call, object_guid: str) -> str:
    """The display text of a payable invoice or a customer with this id, or a 422 on `object_guid`."""
    artefact = call.db.scalar(select(Artefact).where(Artefact.id == object_guid, Artefact.kind.in_(PAYABLE_KINDS)))
    if artefact is not None:
        return artefact.document_number or artefact.id
    contact = call.db.get(Contact, object_guid)
    if contact is not None and contact.is_customer:
        return contact.displayed_as
    raise Invalid("Couldn't find a sales invoice or customer with this id.", "object_guid")


def _create(call: BusinessCall, body: HostedArtefactPaymentSettingCreate) -> HostedArtefactPaymentSetting:
    label = _label(call, body.object_guid)
    taken = call.db.scalar(select(HostedArtefactPaymentSetting.id).where(
        HostedArtefactPaymentSetting.object_guid == body.object_guid))
    if taken is not None:
        raise Invalid("has already been taken: delete that setting to change it.", "object_guid")
    setting = HostedArtefactPaymentSetting(business_id=call.business.id, object_guid=body.object_guid,
                                           object_label=label[:255], disable_payment=body.disable_payment)
    call.db.add(setting)
    call.db.flush()
    return setting


_delete = resource.forgetting("hosted_artefact_payment_settings")


def _object(raw: str) -> ColumnElement[bool]:
    return HostedArtefactPaymentSetting.object_guid == raw.strip()


HOSTED_PAYMENT_SETTINGS = Resource(
    path="hosted_artefact_payment_settings", wrapper="hosted_artefact_payment_setting",
    model=HostedArtefactPaymentSetting, present=present, displayed_as=lambda s: s.object_label,
    filters={"object_guid": _object}, create=_create, create_body=HostedArtefactPaymentSettingCreate, delete=_delete,
)

routes: list[BaseRoute] = resource.routes(HOSTED_PAYMENT_SETTINGS)
