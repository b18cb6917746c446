"""Tables of this package (imported by `ledgerd.db.registry`).

None of its own: a quick entry is a row of the `artefacts` table (kinds `SALES_QUICK_ENTRY_INVOICE`, …,
`artefacts.kinds.QUICK_ENTRY_KINDS`) with one `artefact_lines` row, so payments, allocations, posting and
reports treat it like the invoice or credit note it stands for.
"""

from __future__ import annotations
