"""The fuzz suite's summary line: requests sent and 5xx answers, per suite and backend (read from the tests'
reports, so it is right under xdist too). A plugin of tests/conftest.py: under xdist the controller collects no
tests, so a conftest of this directory would never be loaded there."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    rows = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            props = dict(getattr(report, "user_properties", ()) or ())
            if "fuzz_suite" in props and getattr(report, "when", None) == "call":
                rows.append(props)
    if not rows:
        return
    terminalreporter.write_sep("-", "fuzz")
    for props in sorted(rows, key=lambda p: (p["fuzz_suite"], p["fuzz_backend"])):
        terminalreporter.write_line(
            f"{props['fuzz_suite']} [{props['fuzz_backend']}]: {props['fuzz_requests']} requests over "
            f"{props['fuzz_operations']} operations, {props['fuzz_5xx']} answered 5xx")
    terminalreporter.write_line(f"fuzz total: {sum(p['fuzz_requests'] for p in rows)} requests, "
                                f"{sum(p['fuzz_5xx'] for p in rows)} answered 5xx")
