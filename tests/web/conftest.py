"""What the browser tests share: Debian's Chromium (never a downloaded build), one browser and one server per
module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy.orm import Session

from ledgerd.clock import Clock
from ledgerd.sandbox.demo import seed_demo_books
from ledgerd.tax_returns import periods
from ledgerd.tax_returns import service as tax_returns
from ledgerd.tax_returns.schemas import DraftTaxReturnCreate

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium_present() -> None:
    """Checked before any server starts (browser modules use it first): CI must have the browser, elsewhere its
    absence skips."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is required under CI=true (never `playwright install`)", pytrace=False)
        pytest.skip(f"{CHROMIUM} is not installed")


@pytest.fixture(scope="module")
def browser(chromium_present: None) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def demo_books_with_draft(db: Session, clock: Clock, business_id: str) -> str:
    """The console's books: `ledgerd demo`'s (a GB business) and a draft VAT return for today's period; its id."""
    seed_demo_books(db, clock, business_id)
    today = clock.today()
    period = periods.business_calendar(db, today).containing(today)
    draft = tax_returns.create_draft(db, business_id, "GB", DraftTaxReturnCreate(
        period_start_date=period.start, period_end_date=period.end), today)
    db.flush()
    return draft.id
