"""`Remembered` (ledgerd/memo.py): a pure function's answers kept by argument, bounded, NaN-safe."""

from __future__ import annotations

from decimal import Decimal

from ledgerd.memo import Remembered, remembered


def counting() -> tuple[list[object], Remembered[object, str]]:
    calls: list[object] = []

    def fn(key: object) -> str:
        calls.append(key)
        return f"<{key}>"

    return calls, Remembered(fn, limit=3)


def test_each_argument_runs_once_until_the_limit() -> None:
    calls, memo = counting()
    assert [memo[k] for k in (1, 2, 1, 3, 2)] == ["<1>", "<2>", "<1>", "<3>", "<2>"]
    assert calls == [1, 2, 3]
    assert memo[4] == "<4>" and memo[4] == "<4>"  # past the limit: answered, not kept
    assert calls == [1, 2, 3, 4, 4]
    assert len(memo) == 3


def test_equal_arguments_share_an_answer() -> None:
    calls, memo = counting()
    assert memo[Decimal("1.5")] == memo[Decimal("1.50")] == "<1.5>"
    assert calls == [Decimal("1.5")]


def test_a_nan_is_answered_but_never_kept() -> None:
    calls, memo = counting()
    nan = float("nan")
    memo[nan]
    memo[nan]
    assert len(calls) == 2
    assert len(memo) == 0


def test_known_answers_are_used_without_calling() -> None:
    fn = remembered(lambda key: key * 2, known={"a": "known"})
    assert fn("a") == "known"
    assert fn("b") == "bb"


def test_remembered_is_the_bound_lookup() -> None:
    fn = remembered(str.upper, limit=1)
    assert fn("x") == "X"
    assert fn.__self__ == {"x": "X"}  # type: ignore[attr-defined]


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
