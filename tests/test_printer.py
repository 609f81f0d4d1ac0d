"""Unit tests of the printer (spec §4): scalars, containers, nested strings, typed lists."""

import pytest

from lispe.printer import to_string
from lispe.values import Floats, Integers, Pair, Strings, Symbol, EMPTY, DictI


@pytest.mark.parametrize("value, text", [
    (42, "42"), (-7, "-7"), (2.0, "2"), (0.5, "0.5"), (3.14159265, "3.14159"),
    (100000.0, "100000"), (1234567.0, "1.23457e+06"), (0.0001, "0.0001"), (1e-6, "1e-06"),
    (1e10, "1e+10"), (-0.0, "-0"), (float("nan"), "nan"), (float("inf"), "inf"),
    (None, "nil"), (False, "nil"), (True, "true"), (Symbol("abc"), "abc"), (EMPTY, ""),
    ("raw", "raw"),
])
def test_scalars(value, text):
    assert to_string(value) == text
    assert text == "%g" % value if isinstance(value, float) and value == value else True


def test_strings_are_quoted_inside_containers():
    assert to_string([1, 2.5, "a", None, True, [3, 4]]) == '(1 2.5 "a" nil true (3 4))'
    assert to_string(['say "hi"\\', "a\nb"]) == '("say \\"hi\\"\\\\" "a\nb")'  # as the reference


def test_dictionaries_print_sorted():
    assert to_string({"c": "x", "a": 1, "b": [1, 2]}) == '{"a":1 "b":(1 2) "c":"x"}'
    assert to_string(DictI({3: "c", 1: "a"})) == '{1:"a" 3:"c"}'
    assert to_string({}) == "{}"


def test_typed_lists_and_pairs():
    assert to_string(Integers([1, 2])) == "(1 2)"
    assert to_string(Floats([1.5, 2])) == "(1.5 2)"
    assert to_string(Strings(["x", "y"])) == '("x" "y")'
    assert to_string(Pair(1, 2)) == "(1 . 2)"
    assert to_string([]) == "()"
