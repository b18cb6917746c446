"""`ledgerd.memo.remembered`: a pure function's answers kept by argument, bounded."""

from __future__ import annotations

from decimal import Decimal

from ledgerd.memo import Remembered, remembered


def test_each_argument_runs_the_function_once_and_the_bound_holds() -> None:
    calls: list[int] = []

    def square(value: int) -> int:
        calls.append(value)
        return value * value

    table = Remembered(square, limit=3)
    lookup = table.__getitem__
    assert [lookup(v) for v in (2, 3, 2, 3, 4, 5, 5)] == [4, 9, 4, 9, 16, 25, 25]
    assert calls == [2, 3, 4, 5, 5]  # 5 came after the limit: answered, never kept
    assert dict(table) == {2: 4, 3: 9, 4: 16}


def test_known_answers_and_nans() -> None:
    parse = remembered(Decimal, known={"": Decimal(0)})
    assert parse("") == 0 and parse("1.50") == Decimal("1.50")
    table = Remembered(lambda value: str(value))
    nan = Decimal("NaN")
    assert table[nan] == "NaN" and table[nan] == "NaN"
    assert len(table) == 0  # a NaN is unequal to itself: keeping it would only fill the table
