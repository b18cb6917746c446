"""Every model module, imported so `Base.metadata` is complete (for migrations and checks)."""

from __future__ import annotations

from sqlalchemy import MetaData

from ledgerd.analysis import models as _analysis  # noqa: F401
from ledgerd.api import idempotency as _idempotency  # noqa: F401
from ledgerd.artefacts import models as _artefacts  # noqa: F401
from ledgerd.attachments import models as _attachments  # noqa: F401
from ledgerd.auth import models as _auth  # noqa: F401
from ledgerd.auth import nonces as _auth_nonces  # noqa: F401
from ledgerd.banking import models as _banking  # noqa: F401
from ledgerd.catalog import models as _catalog  # noqa: F401
from ledgerd.contacts import models as _contacts  # noqa: F401
from ledgerd.currencies import models as _currencies  # noqa: F401
from ledgerd.db import counters as _counters  # noqa: F401
from ledgerd.db import deletions as _deletions  # noqa: F401
from ledgerd.db.base import Base
from ledgerd.journals import models as _journals  # noqa: F401
from ledgerd.ledger import models as _ledger  # noqa: F401
from ledgerd.payments import models as _payments  # noqa: F401
from ledgerd.quick_entries import models as _quick_entries  # noqa: F401
from ledgerd.sandbox import faults as _faults  # noqa: F401
from ledgerd.sandbox import journal as _journal  # noqa: F401
from ledgerd.sandbox import models as _sandbox  # noqa: F401
from ledgerd.sandbox import shared as _sandbox_shared  # noqa: F401
from ledgerd.settings import models as _settings  # noqa: F401
from ledgerd.stock import models as _stock  # noqa: F401
from ledgerd.tax_returns import models as _tax_returns  # noqa: F401
from ledgerd.tenancy import models as _tenancy  # noqa: F401


def metadata() -> MetaData:
    return Base.metadata
