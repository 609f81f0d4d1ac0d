"""The original's random library (`random`, `shuffle`, `uuid`, `random_choice`, the
`*_distribution` functions), the ontology library and `json_write`.

Random results are checked by shape, type and range, and by their statistics on a large sample
against the theoretical moments (the reference interpreter gave the same moments on the same
programs); Python's `random` seed makes them reproducible.  Deterministic cases (errors, sizes,
types, ontologies) compared with the reference are in tests/conformance/randoms_ref.txt."""

import json
import math
import random
import re
import statistics

import pytest

from lispe.errors import LispError
from lispe.interpreter import Lisp
from lispe.printer import to_string
from lispe.registry import lookup

N = 20000


def call(name, *args):
    return lookup(name).func(*args)


def run(code):
    return Lisp().eval(code)


def typ(value):
    return lookup("type").func(value)


# shapes and types -------------------------------------------------------------------------

REAL = ["uniform_distribution", "normal_distribution", "lognormal_distribution",
        "weibull_distribution", "extreme_value_distribution", "cauchy_distribution",
        "fisher_distribution", "student_distribution"]
COUNTING = ["binomial_distribution", "negative_binomial_distribution",
            "geometric_distribution", "poisson_distribution"]


@pytest.mark.parametrize("name", REAL + COUNTING)
def test_one_value_a_typed_list_or_an_empty_one(name):
    single, many = ("integer_", "integers_") if name in COUNTING else ("number_", "numbers_")
    assert typ(call(name, 1)) == single
    assert typ(call(name, 4)) == many and len(call(name, 4)) == 4
    assert typ(call(name, 0)) == many and len(call(name, -3)) == 0
    assert len(call(name, 3.9)) == 3          # the count is truncated


@pytest.mark.parametrize("name", ["exponential_distribution", "gamma_distribution",
                                  "chi_squared_distribution"])
def test_parameters_without_default_are_required(name):
    with pytest.raises(LispError, match="Wrong number of arguments"):
        run(f"({name} 2)")


# statistics ------------------------------------------------------------------------------

MOMENTS = [   # (call, mean, variance)
    (("uniform_distribution", N, 2, 5), 3.5, 0.75),
    (("normal_distribution", N, 10, 2), 10, 4),
    (("binomial_distribution", N, 10, 0.3), 3, 2.1),
    (("negative_binomial_distribution", N, 3, 0.4), 4.5, 11.25),
    (("geometric_distribution", N, 0.25), 3, 12),
    (("poisson_distribution", N, 4), 4, 4),
    (("exponential_distribution", N, 2), 0.5, 0.25),
    (("gamma_distribution", N, 2, 3), 6, 18),
    (("weibull_distribution", N, 2, 3), 3 * math.gamma(1.5), 9 * (1 - math.gamma(1.5) ** 2)),
    (("extreme_value_distribution", N, 1, 2), 1 + 2 * 0.5772156649, math.pi ** 2 / 6 * 4),
    (("lognormal_distribution", N, 0, 0.5), math.exp(0.125), (math.exp(0.25) - 1) * math.exp(0.25)),
    (("chi_squared_distribution", N, 4), 4, 8),
    (("fisher_distribution", N, 5, 10), 1.25, 2 * 100 * 13 / (5 * 64 * 6)),
    (("student_distribution", N, 5), 0, 5 / 3),
]


@pytest.mark.parametrize("args,mean,variance", MOMENTS, ids=[m[0][0] for m in MOMENTS])
def test_sample_moments(args, mean, variance):
    random.seed(11)
    values = list(call(*args))
    assert len(values) == N
    assert abs(statistics.fmean(values) - mean) < 4 * math.sqrt(variance / N)
    assert abs(statistics.pvariance(values) / variance - 1) < 0.15


def test_cauchy_bernoulli_discrete_and_random_frequencies():
    random.seed(5)
    cauchy = call("cauchy_distribution", N, 0, 1)
    assert abs(sum(abs(x) < 1 for x in cauchy) / N - 0.5) < 0.02
    flags = call("bernoulli_distribution", N, 0.3)
    assert set(flags) == {True, None} and abs(flags.count(True) / N - 0.3) < 0.02
    drawn = call("discrete_distribution", N, [1, 0, 3])
    assert typ(drawn) == "numbers_" and set(drawn) == {1.0, 3.0}
    assert abs(list(drawn).count(3.0) / N - 0.75) < 0.02
    draws = [call("random", 10) for _ in range(N)]
    assert set(draws) == set(range(10))
    assert {call("random", -3) for _ in range(200)} == {0, 1, 2}


def test_piecewise_distributions_follow_their_densities():
    random.seed(3)
    constant = call("piecewise_constant_distribution", N, [0, 1, 3], [3, 1])
    assert all(0 <= x < 3 for x in constant)
    assert abs(sum(x < 1 for x in constant) / N - 0.6) < 0.02     # mass 3*1 against 1*2
    linear = call("piecewise_linear_distribution", N, [0, 1], [0, 1])
    assert abs(statistics.fmean(linear) - 2 / 3) < 0.01            # density 2x on [0, 1]
    with pytest.raises(LispError, match="expects 2 weights"):
        call("piecewise_constant_distribution", 2, [0, 1, 3], [1])


def test_seeding_pythons_random_reproduces_every_function():
    code = ("(list (random 100) (uuid) (normal_distribution 3) (poisson_distribution 2 5)"
            " (random_choice 4 '(a b c) 10) (shuffle (range 0 10 1)) (bernoulli_distribution 3))")
    random.seed(42)
    first = to_string(run(code))
    random.seed(42)
    assert to_string(run(code)) == first


def test_random_choice_keeps_the_list_type_and_the_originals_weights():
    random.seed(1)
    from lispe.values import Floats, Integers
    assert typ(call("random_choice", 5, Integers([1, 2]), 10)) == "integers_"
    assert typ(call("random_choice", 5, Floats([1, 2]), 10)) == "floats_"
    assert set(call("random_choice", 300, ["a", "b", "c"], 30)) == {"a", "b", "c"}
    assert call("random_choice", 3, ["a", "b"], 1) == ["a", "a", "a"]    # 1/2 is 0: first only
    assert call("random_choice", 1, [7], 5) == 7


def test_uuid_shape():
    ids = {call("uuid") for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[0-9a-f]{8}-4[0-9a-f]{3}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{8}", u)
               for u in ids)


# errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("code,message", [
    ("(normal_distribution 3 0 -1)", "normal_distribution: beta must be a positive number"),
    ("(bernoulli_distribution 3 2)", "alpha must be a probability in [0, 1]"),
    ("(geometric_distribution 3 0)", "alpha must be a probability in ]0, 1]"),
    ("(poisson_distribution 3 -1)", "alpha must be a positive mean"),
    ("(gamma_distribution 3 -1 1)", "alpha must be a positive number"),
    ("(uniform_distribution 3 \"a\")", "uniform_distribution expects a number"),
    ("(discrete_distribution 3 '(0 0))", "the weights must be >= 0 and not all 0"),
    ("(random_choice 3 '() 10)", "random_choice: the list is empty"),
    ("(uniform_distribution 1e30)", "would not fit in memory"),
    ("(random_choice 1e30 '(1) 10)", "would not fit in memory"),
])
def test_bad_parameters_are_clear_errors(code, message):
    with pytest.raises(LispError) as info:
        run(code)
    assert message in info.value.message and info.value.message.startswith("Error: ")


# ontologies ------------------------------------------------------------------------------

def test_ontology_beyond_one_word_of_bits():
    lisp = Lisp()
    lisp.eval('(setq o (ontology "big")) (loop i (range 0 150 1) (ontology_create o (string i)))')
    c = lisp.eval('(setq c (ontology_create o "c" (ontology_concept o "3")))')
    lisp.eval('(ontology_add c (list (ontology_concept o "70") (ontology_concept o "140")))')
    assert to_string(lisp.eval("(ontology_list c)")) == "(c 140 70 3)"
    assert lisp.eval("(size c)") == 4 and lisp.eval("(size o)") == 152
    lisp.eval('(ontology_remove c (ontology_concept o "140"))')
    assert to_string(lisp.eval("(ontology_list c)")) == "(c 70 3)"
    assert lisp.eval('(ontology_contain c (ontology_concept o "70"))') is True


def test_ontology_all_and_loop_in_creation_order():
    lisp = Lisp()
    lisp.eval('(setq o (ontology "z")) (ontology_create o "a") (ontology_create o "b")')
    assert to_string(lisp.eval("(ontology_all o)")) == "(_absurd a b)"
    assert lisp.eval('(setq r ()) (loop c o (push r (string c))) r') == ["_absurd", "a", "b"]


# json_write ------------------------------------------------------------------------------

def test_json_write_round_trip_and_errors(tmp_path):
    path = tmp_path / "d.json"
    assert call("json_write", {"b": [1, 2.5, "é"], "a": None}, str(path)) is True
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": None, "b": [1, 2.5, "é"]}
    assert call("json_read", str(path)) == {"a": None, "b": [1, 2.5, "é"]}
    with pytest.raises(LispError, match="json_write: cannot write file"):
        call("json_write", 1, str(tmp_path / "missing" / "x.json"))
    with pytest.raises(LispError, match="json_write expects a file path"):
        call("json_write", 1, 2)
