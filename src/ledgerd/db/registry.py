"""Every model module, imported so `Base.metadata` is complete (for migrations and checks)."""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    from ledgerd.auth import models as _auth  # noqa: F401
    from ledgerd.db import counters as _counters  # noqa: F401
    from ledgerd.db.base import Base
    from ledgerd.tenancy import models as _tenancy  # noqa: F401

    return Base.metadata
