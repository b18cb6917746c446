"""Documents on the wire (api/resources/artefact_wire.py): `Shape` picks a kind's keys from the superset of values."""

from __future__ import annotations

import pytest

from ledgerd.api.fields import TEXT, maybe, obj
from ledgerd.api.resources.artefact_wire import Shape


def test_shape_picks_the_declared_keys_in_order_and_leaves_its_input_alone() -> None:
    declared = obj(c=TEXT, a=maybe(TEXT), b=TEXT)
    values = {"a": 1, "b": 2, "c": 3, "d": 4}
    picked = Shape(declared, True)(values)
    assert list(picked.items()) == [("c", 3), ("a", 1), ("b", 2)]
    assert list(Shape(declared, False)(values).items()) == [("c", 3), ("b", 2)]  # `maybe` keys only when asked
    with pytest.raises(KeyError):
        Shape(declared, False)({"a": 1})
    # A subsequence of the superset: the keys are dropped from a copy.
    in_order = Shape(obj(a=TEXT, c=TEXT), True)
    for superset in ({"a": 1, "b": 2, "c": 3}, {"a": 4, "b": 5, "c": 6}):
        kept = dict(superset)
        shaped = in_order(superset)
        assert list(shaped) == ["a", "c"] and shaped is not superset and superset == kept
    assert in_order._drop == ("b",)
    assert values == {"a": 1, "b": 2, "c": 3, "d": 4} and picked is not values
