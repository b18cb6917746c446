"""The coverage report: Sage's operations implemented / total, and conforming, by swagger tag.

Every test of an operation (its shape and its isolation checks) records `operation`, `tag` and
`implemented` (`record`); after the run, the terminal summary prints, per tag, how many operations ledgerd
implements and how many conform (every check of the operation passed), then names every operation not
implemented, not conforming, or not run. The properties travel with pytest's reports, so the
summary is right under xdist too. tests/conftest.py imports `pytest_terminal_summary` to register it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pytest

from tests.conformance import operations

NOT_IMPLEMENTED = "not implemented"
MAX_NAMED = 30


def record(request: pytest.FixtureRequest, op: operations.Operation, implemented: bool) -> None:
    """What the coverage report reads from this test's reports."""
    request.node.user_properties += [("operation", op.id), ("tag", op.tag), ("core", op.core),
                                     ("implemented", implemented)]


# --- the coverage report ------------------------------------------------------------------------------------

@dataclass
class Seen:
    implemented: bool = False
    outcomes: set[str] = field(default_factory=set)

    @property
    def conforms(self) -> bool:
        return self.implemented and self.outcomes == {"passed"}


def _seen(terminalreporter: pytest.TerminalReporter) -> defaultdict[str, Seen]:
    """What the run's reports say of each operation (an operation no test reported reads as not run)."""
    seen: defaultdict[str, Seen] = defaultdict(Seen)
    for reports in terminalreporter.stats.values():
        for report in reports:
            props = dict(getattr(report, "user_properties", ()) or ())
            if "operation" not in props or getattr(report, "when", None) not in ("setup", "call"):
                continue
            entry = seen[props["operation"]]
            entry.implemented |= bool(props["implemented"])
            if report.when == "call" or report.outcome != "passed":
                entry.outcomes.add("xfailed" if hasattr(report, "wasxfail") else report.outcome)
    return seen


def _table(write: pytest.TerminalReporter, ops: tuple[operations.Operation, ...],
           seen: defaultdict[str, Seen]) -> None:
    by_tag: dict[str, list[operations.Operation]] = defaultdict(list)
    for op in ops:
        by_tag[op.tag].append(op)
    write.write_line(f"{'tag':<36} {'implemented':>11} {'conforming':>10}")
    for tag in sorted(by_tag):
        group = by_tag[tag]
        done = sum(seen[op.id].implemented for op in group)
        good = sum(seen[op.id].conforms for op in group)
        write.write_line(f"{tag:<36} {done:>5} / {len(group):<3} {good:>6} / {len(group):<3}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    seen = _seen(terminalreporter)
    if not seen:
        return
    ops = operations.official()
    write = terminalreporter
    write.section("Sage v3.1 conformance: operations by swagger tag")
    _table(write, ops, seen)
    for core, name in ((False, "v3.1 swagger"), (True, "core swagger (/businesses, /user)")):
        group = [op for op in ops if op.core is core]
        done = sum(seen[op.id].implemented for op in group)
        good = sum(seen[op.id].conforms for op in group)
        write.write_line(f"{name}: {done} / {len(group)} operations implemented, {good} / {len(group)} conforming")
    missing = [op.id for op in ops if seen[op.id].outcomes and not seen[op.id].implemented]
    failing = [op.id for op in ops if seen[op.id].implemented and not seen[op.id].conforms
               and "xfailed" not in seen[op.id].outcomes]
    known = [op.id for op in ops if "xfailed" in seen[op.id].outcomes]
    not_run = [op.id for op in ops if not seen[op.id].outcomes]
    for label, names in ((NOT_IMPLEMENTED, missing), ("not conforming", failing),
                         ("not conforming, known deviation (conftest.DEVIATIONS)", known)):
        if names:
            write.write_line(f"{label} ({len(names)}): {', '.join(names)}")
    if not_run:  # a partial run (-k, a single file): the names would only repeat the selection
        shown = ", ".join(not_run) if len(not_run) <= MAX_NAMED else "left out of this run's selection"
        write.write_line(f"not run ({len(not_run)}): {shown}")
