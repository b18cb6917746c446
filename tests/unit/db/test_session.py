"""Session listeners (db/session.py): installed by the runtime's builder on ledgerd's own session class, once
each and in one order; SQLAlchemy's `Session` gets none."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledgerd.app import install_listeners
from ledgerd.db.session import LedgerdSession


def names(session: Session, event: str) -> list[str]:
    return [f"{listener.__module__}.{listener.__name__}" for listener in getattr(session.dispatch, event)]


def test_listeners_go_on_ledgerds_session_class_once_in_order() -> None:
    install_listeners()
    install_listeners()  # a second runtime in the process adds nothing
    session = LedgerdSession()
    assert names(session, "before_flush") == ["ledgerd.db.tenancy._check_tenant_writes", "ledgerd.db.records._stamp",
                                              "ledgerd.attachments.service._on_flush",
                                              "ledgerd.periods.service._on_flush"]
    assert names(session, "do_orm_execute") == ["ledgerd.db.tenancy._filter_by_business"]
    assert names(session, "after_flush_postexec") == ["ledgerd.analysis.service._forget_deleted"]
    assert names(session, "after_transaction_end") == ["ledgerd.db.locks._released", "ledgerd.db.counters._forget"]
    assert names(session, "after_commit") == names(session, "after_rollback") == ["ledgerd.db.unit.release_loaded"]
    assert len(session.dispatch.loaded_as_persistent) == len(session.dispatch.persistent_to_deleted) == 1


def test_sqlalchemys_session_has_no_listeners() -> None:
    install_listeners()
    plain = Session()
    for event in ("before_flush", "do_orm_execute", "after_flush_postexec", "after_transaction_end", "after_commit",
                  "loaded_as_persistent", "persistent_to_deleted"):
        assert len(getattr(plain.dispatch, event)) == 0, event
