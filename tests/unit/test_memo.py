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
