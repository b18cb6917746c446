"""VAT treatments: reverse charge and postponed import VAT on documents, the treatment of ledger entries

Revision ID: 0011
Revises: 0010

`artefacts.vat_reverse_charge` and `artefacts.postponed_accounting` (Sage's document flags; false for every
existing document, which was posted without them). `ledger_entries.tax_treatment`: how an entry reaches a VAT
return beyond its account and tax rate (ledger/treatments.py). Existing journal lines a client sent with
`include_on_tax_return` true mark their entries JOURNAL, so the return now counts them as the flag always said;
every other existing entry keeps no treatment (docs/decisions/vat-treatments.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (SQLite too): a batch would rebuild `artefacts` without its counting triggers
    # (migration 0002).
    op.add_column('artefacts', sa.Column('vat_reverse_charge', sa.Boolean(), server_default=sa.false(),
                                         nullable=False))
    op.add_column('artefacts', sa.Column('postponed_accounting', sa.Boolean(), server_default=sa.false(),
                                         nullable=False))
    op.add_column('ledger_entries', sa.Column('tax_treatment', sa.String(length=30), nullable=True))
    # A standing journal's entries are its lines (zero lines left out), in its transaction: matched by account and
    # amounts. A removed journal has no lines left, and its transaction and reversal net to nothing unmarked.
    op.execute(sa.text(
        "UPDATE ledger_entries SET tax_treatment = 'JOURNAL' WHERE transaction_type_id = 'JOURNAL' AND EXISTS ("
        "SELECT 1 FROM journal_lines JOIN journals ON journals.id = journal_lines.journal_id "
        "WHERE journals.transaction_id = ledger_entries.transaction_id "
        "AND journal_lines.include_on_tax_return "
        "AND journal_lines.ledger_account_id = ledger_entries.ledger_account_id "
        "AND journal_lines.debit = ledger_entries.debit AND journal_lines.credit = ledger_entries.credit)"))


def downgrade() -> None:
    op.drop_column('ledger_entries', 'tax_treatment')
    op.drop_column('artefacts', 'postponed_accounting')
    op.drop_column('artefacts', 'vat_reverse_charge')
