"""Core builtins: container access, construction, mutation, sets, dictionaries and the
functional helpers (spec §9, §13)."""

import array
import itertools
import random
import time

import pytest
from hypothesis import given, strategies as st

import lispe.builtins  # noqa: F401  (registers the core builtins)
from lispe.errors import LispError
from lispe.printer import to_string
from lispe.registry import REGISTRY, lookup
from lispe.values import (DictI, DictN, Float32, Floats, Integers, LList, LispSet, Numbers, Pair,
                          Short, Shorts, Strings, Symbol, register_protocol)


def call(name, *args):
    return lookup(name).func(*args)


small_lists = st.lists(st.integers(-1000, 1000), max_size=30)


# access ---------------------------------------------------------------------------------------

def test_at_indexes_lists_strings_and_dictionaries():
    assert call("@", [10, 20, 30], 1) == 20
    assert call("@", [10, 20, 30], -1) == 30
    assert call("@", [[1, 2], [3, 4]], 1, 0) == 3
    assert call("@", "héllo", 1) == "é"
    assert call("@", {"1": "one"}, 1) == "one"         # string dictionary: key converted
    assert call("at", DictI({3: "x"}), 3) == "x"
    assert call("nth", Integers([5, 6]), 1) == 6
    assert call("get", {"k": 1}, "k") == 1              # DECISIONS 1
    assert call("@", [1, 2], 1.0) == 2                  # integral float index


@pytest.mark.parametrize("container,key", [([1, 2], 2), ([1, 2], -3), ({"a": 1}, "b"),
                                           ("ab", 5), (LList([1]), 3)])
def test_at_out_of_bounds(container, key):
    with pytest.raises(LispError, match="^Error: index out of bounds$"):
        call("@", container, key)


def test_at_uses_the_container_protocol_for_other_kinds():
    class Box:
        def __init__(self, items):
            self.items = items

    register_protocol("at", Box, lambda b, i: b.items[i])
    register_protocol("size", Box, lambda b: len(b.items))
    register_protocol("car", Box, lambda b: b.items[0])
    assert call("@", Box([7, 8]), 1) == 8
    assert call("size", Box([7, 8])) == 2
    assert call("car", Box([7, 8])) == 7
    with pytest.raises(LispError, match="You cannot apply 'cdr' to"):
        call("cdr", Box([7, 8]))


def test_set_at_stores_and_returns_the_container():
    lst = [1, [2, 3]]
    assert call("set@", lst, 1, 0, "x") is lst and lst == [1, ["x", 3]]
    d = {}
    call("set@", d, 1, "one")
    assert d == {"1": "one"}
    ints = Integers([1, 2])
    call("set@", ints, 0, "7")
    assert list(ints) == [7, 2]
    with pytest.raises(LispError, match="index out of bounds"):
        call("set@", [1], 5, 0)
    with pytest.raises(LispError, match="immutable"):
        call("set@", "abc", 0, "x")


@given(st.text(max_size=12), st.integers(-15, 15), st.integers(-15, 15))
def test_extract_follows_the_spec_rules(s, start, end):
    n = len(s)
    begin = start + n if start < 0 else start
    stop = min(end + n if end <= 0 else end, n)
    expected = s[begin:stop] if 0 <= begin < n and stop > begin else ""
    assert call("@@", s, start, end) == expected
    assert call("@@", list(s), start, end) == list(expected)


def test_extract_variants():
    assert call("@@", "hello world", 0, 5) == "hello"
    assert call("extract", [1, 2, 3, 4], 2) == 3
    assert call("@@", "x<tag>y", "<", ">") == "tag"
    assert call("@@", "key=value", "=") == "v"      # one bound: one character, as in the reference
    assert call("@@", "abc", "[", "]") == ""
    r = call("@@", Integers([1, 2, 3]), 1, 0)
    assert type(r) is Integers and list(r) == [2, 3]


def test_car_cdr_and_compositions():
    assert call("car", [1, 2]) == 1 and call("car", []) is None
    for bad in (None, 5, {"a": 1}):             # nil is not a list (the reference's rule)
        with pytest.raises(LispError, match="You cannot apply 'car' to: '"):
            call("car", bad)
    with pytest.raises(LispError, match="Empty string"):
        call("car", "")
    with pytest.raises(LispError, match="No more elements to traverse with 'cad..r'"):
        call("caddr", [1, 2])
    assert call("cdr", [1, 2, 3]) == [2, 3]
    assert call("cdr", [1]) is None and call("cdr", []) is None
    assert call("cadr", [1, 2, 3]) == 2 and call("caddr", [1, 2, 3]) == 3
    assert call("cdar", [[1, 2], 3]) == [2]
    assert call("car", Pair(1, 2)) == 1 and call("cdr", Pair(1, 2)) == 2
    assert type(call("cdr", Integers([1, 2, 3]))) is Integers
    assert call("cdr", LList([1, 2])) == LList([2])


def test_last_size():
    assert call("last", [1, 2, 3]) == 3 and call("last", []) is None
    assert call("size", "héllo") == 5 and call("size", {"a": 1}) == 1
    assert call("size", None) == 0 and call("size", Integers([1, 2])) == 2
    assert call("size", 3) == 0 and call("size", 2.5) == 0


def test_in_find_count():
    assert call("in", [1, 2, 3], 2) is True and call("in", [1, 2], 5) is False
    assert call("in", "hello", "ell") is True
    assert call("in", {"a": 1}, 1) is True and call("in", {"a": 1}, "a") is False
    assert call("find", "hello", "l") == 2 and call("find", "hello", "z") is None
    assert call("count", [1, 2, 1, 1], 1, 1) == 2 and call("count", "banana", "a", 2) == 2
    assert list(call("findall", "banana", "a", 2)) == [3, 5] and call("rfind", "banana", "a", 2) == 3
    assert call("rfind", [1, 2, 1, 2], 2, 2) == 3 and call("count", 5, 1) == 0
    assert call("in", 5, 1) is False and call("find", 5, 1) is None
    assert call("find", [5, 6, 5], 5, 1) == 2
    assert call("find", {"a": 1, "b": 2}, 2) == "b"
    assert list(call("findall", "hello", "l")) == [2, 3]
    assert call("rfind", [5, 6, 5], 5) == 2 and call("rfind", "abcabc", "b") == 4
    assert call("count", "aaaa", "aa") == 2 and call("count", [1, 2, 1], 1) == 2


# construction ---------------------------------------------------------------------------------

def test_list_llist_cons():
    assert call("list") == [] and call("list", 1, "a") == [1, "a"]
    assert call("llist", 1, 2) == LList([1, 2])
    assert call("cons", 1, [2, 3]) == [1, 2, 3]
    assert call("cons", 1, None) == [1]
    assert call("cons", 1, 2) == Pair(1, 2) and to_string(call("cons", 1, 2)) == "(1 . 2)"
    assert type(call("cons", 0, Integers([1]))) is Integers


@pytest.mark.parametrize("name,kind,typecode", [("integers", Integers, "q"),
                                                ("numbers", Numbers, "d"),
                                                ("floats", Floats, "f"),
                                                ("shorts", Shorts, "h")])
@given(values=st.lists(st.integers(-1000, 1000), max_size=20))
def test_typed_lists_match_array(name, kind, typecode, values):
    r = call(name, *values)
    assert type(r) is kind and r.tobytes() == array.array(typecode, values).tobytes()


def test_typed_lists_convert_and_flatten():
    assert list(call("integers", "12", 3.9, [4, [5]])) == [12, 3, 4, 5]
    assert list(call("numbers", "2.5", 1)) == [2.5, 1.0]
    assert list(call("strings", 1, 2.0, "a")) == ["1", "2", "a"]
    assert type(call("strings")) is Strings
    assert list(call("shorts", 70000)) == [4464]          # wraps at 16 bits, as in C
    assert list(call("integers", None)) == [0]
    with pytest.raises(LispError, match="integers expects numbers or strings"):
        call("integers", {"a": 1})


def test_iota_and_range():
    assert list(call("iota", 5)) == [1, 2, 3, 4, 5] and type(call("iota", 3)) is Integers
    assert type(call("iota", 3.0)) is Numbers and list(call("iota0", 4)) == [0, 1, 2, 3]
    assert list(call("iota", 2.5)) == [1.5, 2.5] and list(call("iota0", 2.5)) == [0.5, 1.5]
    assert call("⍳", 3, 2) == [Integers([1, 2, 3]), Integers([1, 2])]
    assert list(call("range", 0, 10, 3)) == list(range(0, 10, 3))
    assert list(call("range", 10, 0, -3)) == list(range(10, 0, -3))
    assert list(call("range", 10, 0, 3)) == [10, 7, 4, 1]      # the step turns round
    assert list(call("rangein", 0, 9, 3)) == [0, 3, 6, 9]
    assert list(call("range", 0, 1, 0.25)) == [0, 0.25, 0.5, 0.75]
    assert list(call("rangein", 0, 1, 0.25)) == [0, 0.25, 0.5, 0.75, 1.0]
    assert list(call("range", 0, 1, 0)) == []
    assert list(call("range", "a", "d", 1)) == ["a", "b", "c", "d"]


def test_irange_is_lazy_and_reusable():
    r = call("irange", 0, 5, 2)
    assert list(r) == [0, 2, 4] and list(r) == [0, 2, 4]
    assert list(call("irangein", 0, 4, 2)) == [0, 2, 4]
    endless = call("irange", 1, 3)
    assert [x for x, _ in zip(endless, range(4))] == [1, 4, 7, 10]
    floats = call("irange", 0.5, 2, 0.5)
    assert list(floats) == [0.5, 1.0, 1.5]
    assert to_string(r) == "(irange 0 5 2)" and to_string(endless) == "(irange 1 3)"


# mutation -----------------------------------------------------------------------------------

def test_push_variants():
    lst = [1]
    assert call("push", lst, 2) is lst and lst == [1, 2]
    ll = LList([1])
    call("push", ll, 0)
    assert list(ll) == [0, 1]
    call("pushlast", ll, 9)
    assert list(ll) == [0, 1, 9]
    ints = Integers([1])
    call("push", ints, 2.7)
    assert list(ints) == [1, 2]
    strs = Strings()
    call("push", strs, 5)
    assert strs == ["5"]
    assert call("pushfirst", [2], 1) == [1, 2]
    assert call("pushfirst", [2, 3], 1, 0) == [0, 1, 2, 3]
    assert call("push", [1, 2], 3, 4) == [1, 2, 3, 4]
    assert call("pushlast", [2], 3, 4) == [2, 3, 4]
    assert call("push", "abc", "d") == "abcd"
    assert call("pushtrue", [], 1, None, 2, [], 3, 0) == [1, 2, 3, 0]
    with pytest.raises(LispError, match="cannot push in this kind of elements"):
        call("push", None, 1)


def test_pop_variants():
    assert call("pop", [1, 2, 3]) == [1, 2]
    assert call("pop", [1, 2, 3], 0) == [2, 3]
    assert call("pop", []) is None
    assert call("pop", LList([1, 2])) == LList([2])
    assert call("pop", {"a": 1, "b": 2}, "a") == {"b": 2}
    assert call("pop", {"a": 1}, "z") is None
    assert call("pop", "abc") == "ab" and call("pop", "abc", 0) == "bc"
    assert call("popfirst", [1, 2]) == [2] and call("poplast", [1, 2]) == [1]
    assert call("pop", [1], 5) is None


def test_insert_extend():
    assert call("insert", [1, 3], 2, 1) == [1, 2, 3]
    assert call("insert", "ac", "b", 1) == "abc"
    assert call("extend", [1], [2, 3]) == [1, 2, 3]
    ints = call("extend", Integers([1]), [2, "3"])
    assert type(ints) is Integers and list(ints) == [1, 2, 3]
    assert call("extend", [1], 2) == [1, 2] and call("extend", [1], "ab") == [1, "ab"]
    assert call("insert", [1, 2], 3) == [1, 2, 3] and call("insert", "ab", "c") == "abc"
    with pytest.raises(LispError, match="Wrong index in 'insert'"):
        call("insert", [1, 2], 9, -1)


def test_nconc_and_nconcn():
    first = [1]
    assert call("nconc", first, [2], [3, 4], 5) is first and first == [1, 2, 3, 4, 5]
    first = [1]
    assert call("nconcn", first, [2], 3) == [1, 2, 3] and first == [1]
    assert call("nconc") == [] and call("nconcn") == []
    with pytest.raises(LispError, match="first element is not a list"):
        call("nconc", "ab", "cd")


def test_clone_is_deep():
    original = [1, [2, {"a": [3]}], Integers([4])]
    copy = call("clone", original)
    assert copy == original
    copy[1][1]["a"].append(9)
    copy[2].append(5)
    assert original == [1, [2, {"a": [3]}], Integers([4])]


def test_reverse():
    lst = [1, 2, 3]
    assert call("reverse", lst) is lst and lst == [3, 2, 1]
    assert call("reverse", lst, True) == [1, 2, 3] and lst == [3, 2, 1]
    assert call("reverse", "abc") == "cba"
    assert list(call("reverse", Integers([1, 2]))) == [2, 1]


@given(small_lists)
def test_sort_matches_sorted(values):
    assert call("sort", "<", list(values)) == sorted(values)
    assert call("sort", ">", list(values)) == sorted(values, reverse=True)
    by_lambda = call("sort", lambda a, b: a > b, list(values))
    assert by_lambda == sorted(values, reverse=True)
    ints = call("sort", "<", Integers(values))
    assert type(ints) is Integers and list(ints) == sorted(values)


def test_sort_refuses_non_strict_comparators_and_accepts_both_orders():
    with pytest.raises(LispError, match="The comparison must be strict for a 'sort'"):
        call("sort", "<=", [2, 1])
    assert call("sort", [3, 1, 2], "<") == [1, 2, 3]


def test_unique_flatten_rotate_shuffle():
    assert call("unique", [1, 2, 1, 3, 2]) == [1, 2, 3]
    assert call("unique", [[1], [1], [2]]) == [[1], [2]]
    assert call("flatten", [1, [2, [3, Integers([4])]]]) == [1, 2, 3, 4]
    assert call("flatten", {"a": 1, "b": [2]}) == ["a", 1, "b", 2]
    assert type(call("flatten", Integers([1, 2]))) is Integers
    assert call("rotate", [1, 2, 3, 4]) == [2, 3, 4, 1]        # left, as ⌽
    assert call("rotate", [1, 2, 3, 4], -1) == [4, 1, 2, 3]
    assert call("⌽", "abc") == "cab" and call("⌽", "abcd", 1) == "bcda"
    values = list(range(50))
    random.seed(1)
    shuffled = call("shuffle", list(values))
    assert sorted(shuffled) == values and shuffled != values


def test_rho_and_transpose():
    assert list(call("rho", [[1, 2, 3], [4, 5, 6]])) == [2, 3]
    assert call("rho", 2, 3, call("iota", 4)) == [[1, 2, 3], [4, 1, 2]]
    assert call("transpose", [[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]
    assert call("transpose", [1, 2]) == []
    with pytest.raises(LispError, match="last argument should be a list"):
        call("rho", 2, 2, 3)


# sets and dictionaries -------------------------------------------------------------------------

def test_sets():
    s = call("set", 3, 1, [2, 3])
    assert isinstance(s, LispSet) and s == {1, 2, 3} and to_string(s) == "{1 2 3}"
    assert call("sets", 1, "a") == {"1", "a"}
    assert to_string(call("type", call("seti", 1))) == "set_i_"
    seti = call("seti", 1)
    call("push", seti, 2.0)
    assert seti == {1, 2}
    assert call("in", seti, 2) is True
    assert call("&&&", call("seti", 1, 2), call("seti", 2, 3)) == {2}
    assert call("seti", "3", 1.5) == {1, 3} and call("setn", 1, "2.5") == {1.0, 2.5}


def test_dictionaries():
    d = call("dictionary", "a", 1, 2, "b")
    assert d == {"a": 1, "2": "b"} and to_string(d) == '{"2":"b" "a":1}'
    assert type(call("dictionaryi", 1, "x")) is DictI
    assert call("dictionaryn", 1, "x") == {1.0: "x"}
    assert type(call("dictionaryn")) is DictN
    assert call("dictionary", ["a", "b"], [1, 2]) == {"a": 1, "b": 2}
    assert call("dictionaryi", "1", 2, 2.5, 3) == {1: 2, 2: 3}
    with pytest.raises(LispError, match="wrong number of arguments for 'dictionary'"):
        call("dictionary", "a", 1, "b")
    with pytest.raises(LispError, match="wrong arguments for 'dictionary'"):
        call("dictionary", "a")


def test_key_at_keys_values():
    d = {"b": 1, "a": 2}
    assert call("key@", d, "a") == 2 and call("key@", d, "z") is None
    assert call("key@", d, "c", 3) is d and d["c"] == 3
    assert call("key@") == {}
    keys = call("keys@", d)
    assert type(keys) is Strings and keys == ["a", "b", "c"]
    assert call("values@", d) == [2, 1, 3] and call("values", d) == [2, 1, 3]
    assert list(call("keys", DictI({3: 0, 1: 0}))) == [1, 3]
    assert list(call("keys@", [5, 6])) == [0, 1]
    with pytest.raises(LispError, match="keys@ expects a dictionary"):
        call("keys@", 3)


# functional ---------------------------------------------------------------------------------

def double(x):
    return x * 2


@given(small_lists)
def test_map_filter_match_python(values):
    assert call("map", double, values) == [v * 2 for v in values]
    assert call("filter", lambda v: v > 0, values) == [v for v in values if v > 0]
    assert call("take", 3, values) == values[:3] and call("drop", 3, values) == values[3:]


def test_maplist_types_its_results_after_the_first_one():
    assert type(call("map", double, Integers([1, 2]))) is list       # map: always a list
    assert type(call("maplist", double, Integers([1, 2]))) is Integers
    assert type(call("maplist", str, Integers([1, 2]))) is Strings
    assert call("mapcar", "upper", "ab") == ["A", "B"]


def test_takewhile_dropwhile():
    positive = lambda v: v > 0  # noqa: E731
    assert call("takewhile", positive, [3, 1, -1, 2]) == [3, 1]
    assert call("dropwhile", positive, [3, 1, -1, 2]) == [-1, 2]
    assert call("takelist", positive, Integers([1, -1])) == Integers([1])


def test_folds_and_scans():
    sub = lookup("-").func
    assert call("foldl", sub, [1, 2, 3], 10) == ((10 - 1) - 2) - 3
    assert call("foldl", sub, 10, [1, 2, 3]) == 4                 # (f init list) accepted
    assert call("foldr", sub, [1, 2, 3], 10) == 1 - (2 - (3 - 10))
    assert call("foldl1", sub, [10, 1, 2]) == 7
    assert call("foldr1", sub, [1, 2, 3]) == 1 - (2 - 3)
    assert call("scanl", "+", [1, 2, 3], 0) == [0, 1, 3, 6]
    assert call("scanr", "+", [1, 2, 3], 0) == [6, 5, 3, 0]
    assert call("scanl1", "+", [1, 2, 3]) == [1, 3, 6]
    assert call("foldl1", "+", []) is None


def test_zip_zipwith_apply():
    assert call("zip", [1, 2], ["a", "b"]) == [[1, "a"], [2, "b"]]
    with pytest.raises(LispError, match="same size"):
        call("zip", [1, 2, 3], ["a", "b"])
    assert call("zipwith", "+", [1, 2], [10, 20]) == [11, 22]
    assert call("apply", "+", [1, 2, 3]) == 6
    assert call("apply", "max", Integers([4, 9])) == 9
    with pytest.raises(LispError, match="Unbound atom: .no-such-function."):
        call("map", "no-such-function", [1])


def test_functional_walks_dictionary_keys_and_strings():
    assert call("map", "upper", {"b": 1, "a": 2}) == ["A", "B"]
    assert call("filter", "digitp", "a1b2") == ["1", "2"]


# dictionaries: key@ and the trees ------------------------------------------------------------

def test_key_at_forms():
    assert call("key@", "a", 1, "b", 2) == {"a": 1, "b": 2}          # no dictionary: a new one
    d = {"a": 1}
    assert call("key@", d, "b", 2, "c", 3) is d and d == {"a": 1, "b": 2, "c": 3}
    assert call("key", d, "b") == 2                                  # the newer spelling
    di = call("keyi@")
    assert type(di) is DictI and call("keyi@", di, 1.5, "x") is di and di == {1: "x"}
    assert call("keyi", di, "1") == "x" and call("key@", di, 1) == "x"
    dn = call("keyn@")
    call("keyn@", dn, 1, "y")
    assert dn == {1.0: "y"} and type(dn) is DictN
    with pytest.raises(LispError, match="wrong dictionary type for 'keyi'"):
        call("keyi@", {"a": 1}, 1)
    with pytest.raises(LispError, match="wrong number of arguments for 'key'"):
        call("key@", {"a": 1}, "b", 2, "c")


def test_dictionary_trees():
    t = call("dictionarytree", "b", 2, "a", 1)
    assert to_string(t) == '{"a":1 "b":2}' and to_string(call("type", t)) == "dictionarytree_"
    ti = call("dictionarytreei", 30, "x", 10, "y")
    assert to_string(ti) == '{10:"y" 30:"x"}' and list(call("keys@", ti)) == [10, 30]
    tn = call("dictionarytreen", 2.5, "x", 1.25, "y")
    assert to_string(call("type", tn)) == "dictionarytree_n_" and call("@", tn, 2.5) == "x"
    assert to_string(call("type", call("clone", t))) == "dictionarytree_"


# list instructions ----------------------------------------------------------------------------

def test_cons_variants():
    assert call("consb", [1, 2], 3) == [1, 2, 3] and call("consb", None, 1) == [1]
    assert to_string(call("consb", 1, 2)) == "(1 . 2)"
    assert to_string(call("conspoint", 1, 2)) == "(1 . 2)"
    assert list(call("to_llist", [1, 2])) == [1, 2] and type(call("to_llist", "ab")) is LList


def test_slice_swap_shift_replicate_enum():
    assert call("slice", [1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert call("slice", "abcde", 2) == ["ab", "cd", "e"]
    lst = [1, 2, 3, 4]
    assert call("swap", lst, 0, 3) is lst and lst == [4, 2, 3, 1]
    assert call("swap", [1, 2, 3], 0) == [2, 1, 3]
    with pytest.raises(LispError, match="cannot swap values in this list"):
        call("swap", [1, 2, 3], 0, 5)
    assert call("shift", "-", [1, 3, 6, 10]) == [-2, -3, -4]
    assert call("shift", "+", [1, 2, 3, 4], 2) == [4, 6]
    assert call("shift", "-", [1, 3, 6, 10], -1) == [2, 3, 4]
    assert call("shift", "+", [1], 1) is None
    assert call("replicate", 3, "a") == ["a", "a", "a"]
    copies = call("replicate", 2, [1])
    copies[0].append(2)
    assert copies == [[1, 2], [1]]                                    # copies, not one list
    assert call("enum", ["a", "b"]) == [[0, "a"], [1, "b"]]
    assert call("enum", Integers([5, 6]), 10) == [[10, 5], [11, 6]]


def test_cycle_and_repeat_are_endless():
    assert list(itertools.islice(call("cycle", [1, 2]), 5)) == [1, 2, 1, 2, 1]
    assert list(itertools.islice(call("repeat", "x"), 3)) == ["x", "x", "x"]


def test_cyclic_llists_and_marks():
    ll = LList([1, 2, 3])
    assert call("cyclicp", ll) is False
    assert call("extend", ll, ll) is ll and call("cyclicp", ll) is True
    assert list(ll) == [1, 2, 3] and call("size", ll) == 3
    lst = [1]
    assert not call("mark", lst)
    assert call("mark", lst, True) is True and call("mark", lst) is True
    assert call("resetmark", [lst]) is True and not call("mark", lst)


def test_heap_keeps_its_order():
    h = call("heap", "<", 5, 1, 3)
    assert h == [1, 3, 5] and to_string(call("type", h)) == "heap_"
    call("insert", h, 2)
    call("push", h, 0)
    assert h == [0, 1, 2, 3, 5]
    assert call("pop", h) == [0, 1, 2, 3] and call("car", h) == 0
    assert call("heap", ">", 1, 3, 2) == [3, 2, 1]
    assert call("heap") == [] and call("heap", None, "b", "a") == ["a", "b"]


def test_set_operators():
    assert call("&&&", [1, 2, 3], [2, 3, 4]) == [2, 3]
    assert call("|||", [1, 2, 2], [2, 3]) == [1, 2, 3]
    assert call("^^^", [1, 2, 3], [2, 3, 4]) == [1, 4]
    assert call("&&&", call("seti", 1, 2, 3), call("seti", 2, 3), call("seti", 3)) == {3}
    assert type(call("|||", call("sets", "a"), ["b"])).__name__ == "SetS"


# APL operators ------------------------------------------------------------------------------

def test_rho_builds_typed_matrices_and_tensors():
    m = call("ρ", 2, 3, call("iota", 6))
    assert to_string(m) == "((1 2 3) (4 5 6))" and to_string(call("type", m)) == "matrix_integer_"
    assert to_string(call("type", m[0])) == "integers_"
    t = call("rho", 2, 2, 2, call("iota", 8))
    assert to_string(call("type", t)) == "tensor_integer_" and list(call("rho", t)) == [2, 2, 2]
    assert to_string(call("type", call("rho", 3, Numbers([1, 2])))) == "numbers_"
    assert call("rho", 2, 2, [[1, 2], 3]) == [[[1, 2], 3], [[1, 2], 3]]
    assert list(call("rho", "abc")) == [3]


def test_transpose_rotate_member_tally():
    m = call("rho", 2, 3, call("iota", 6))
    assert to_string(call("⍉", m)) == "((1 4) (2 5) (3 6))"
    assert to_string(call("type", call("⍉", [[1, 2], [3, 4]]))) == "matrix_number_"
    assert to_string(call("⍉", call("rho", 2, 2, 2, call("iota", 8)))) == \
        "(((1 2) (5 6)) ((3 4) (7 8)))"
    assert to_string(call("⌽", m)) == "((2 3 1) (5 6 4))"
    assert to_string(call("⌽", m, 1, True)) == "((4 5 6) (1 2 3))"
    assert list(call("∈", Integers([1, 2, 3]), Integers([3]))) == [0, 0, 1]
    assert to_string(call("member", call("rho", 2, 2, call("iota", 4)), [1, 4])) == \
        "((1 0) (0 1))"
    assert call("≢", m) == 6 and call("tally", [1, [2, 3]]) == 2 and call("≢", 5) == 0


def test_outer_and_inner_products():
    outer = call("°", "*", call("iota", 3), call("iota", 3))
    assert to_string(outer) == "((1 2 3) (2 4 6) (3 6 9))"
    assert to_string(call("type", outer)) == "matrix_integer_"
    assert call(".", "+", "*", [1, 2], [3, 4]) == 11
    m = call("rho", 2, 2, call("iota", 4))
    assert to_string(call(".", "+", "*", m, m)) == "((7 10) (15 22))"
    with pytest.raises(LispError, match="lists should have the same size for '.'"):
        call(".", "+", "*", [1, 2], [3, 4, 5])
    with pytest.raises(LispError, match="arguments for '°' are lists"):
        call("°", "-", [1, 2], 3)


def test_concatenate_to_list_to_tensor():
    assert call(",", [1, 2], [3]) == [1, 2, 3] and call(",", 3, [1, 2]) == [3, 1, 2]
    m = call("rho", 2, 2, call("iota", 4))
    assert to_string(call(",", m, [7, 8])) == "((1 2 7) (3 4 8))"
    assert to_string(call(",", m, 9)) == "((1 2 9) (3 4 9))"
    assert to_string(call("type", call("⊂", m))) == "list_" and call("⊂", 5, 3) == [5, 5, 5]
    assert to_string(call("type", call("⊃", [[1, 2], [3.5, 4]]))) == "matrix_number_"
    assert to_string(call("type", call("⊃", [1, 2]))) == "integers_"


def test_rank_irank_atshape_setshape_setrange_mask():
    m = call("rho", 2, 3, call("iota", 6))
    assert list(call("rank@", m, 0)) == [1, 2, 3] and list(call("rank", m, -1, 1)) == [2, 5]
    assert call("rank@", m, 1, 2) == 6
    with pytest.raises(LispError, match="indexes out of bounds"):
        call("rank@", m, 5)
    assert [list(c) for c in call("irank@", m, -1)] == [[1, 4], [2, 5], [3, 6]]
    assert call("atshape", call("iota", 6), Integers([2, 3]), 1, 1) == 5
    assert list(call("@@@", call("iota", 24), Integers([2, 3, 4]), 1, 2)) == [21, 22, 23, 24]
    flat = call("iota", 6)
    call("setshape", flat, Integers([2, 3]), 1, [7, 8, 9])
    assert list(flat) == [1, 2, 3, 7, 8, 9]
    assert call("setrange", [1, 2, 3, 4, 5], 1, 3, 0) == [1, 0, 4, 5]
    assert call("mask@", [1, 0, 1], [1, 2, 3], [4, 5, 6]) == [1, 4, 2]
    assert call("mask@", [1, 0, 1], [1, 2, 3]) == [1, None, 2]
    assert list(call("mask", [0, 0, 1], Integers([4, 5, 6]))) == [0, 0, 4]
    assert type(call("flatten", call("rho", 2, 2, Numbers([1, 2, 3, 4])))) is Numbers
    with pytest.raises(LispError, match="Should be a non empty list"):
        call("mask@", [1, 0], [1, 2], 0)


# huge sizes fail at once (issue 8 item 9) -----------------------------------------------------

BIG = list(range(10**5))


@pytest.mark.parametrize("name,args", [("iota", (10**30,)), ("iota0", (10**30,)),
                                       ("range", (0, 10**40, 1)), ("rho", (100000, 100000, [1])),
                                       ("replicate", (10**20, 1)), ("matrix_integer", (10**9, 10**9)),
                                       ("tensor_number", (10**5, 10**5, 10**5)),
                                       ("°", ("+", BIG, BIG))])
def test_huge_sizes_fail_fast(name, args):
    start = time.perf_counter()
    with pytest.raises(LispError, match="would not fit in memory|Exceeding range"):
        call(name, *args)
    assert time.perf_counter() - start < 1


# only LispE errors escape ---------------------------------------------------------------------

def _sample_values():
    from lispe.builtins.apl import rho
    return [0, 1, -3, 2.5, "a", "", Symbol("b"), None, True, [], [1, 2], [[1, 2], [3, 4]],
            Integers([1, 2]), Numbers([1.5]), Strings(["x"]), {"a": 1}, DictI({1: 2}),
            LList([1, 2]), LispSet({1}), Floats([1.0]), Shorts([3]), Float32(1.5), Short(2),
            complex(1, 2), rho(2, 2, Numbers([1, 2, 3, 4])), "+", Symbol("+"), 10**20]


def test_only_lisp_errors_escape_from_the_list_and_number_families():
    """Random calls of every builtin of these families with values of every kind: each one
    returns or raises a LispError, never a Python exception."""
    families = {"lispe.builtins." + m for m in ("numbers", "lists", "containers", "dictionaries",
                                                 "sets", "apl", "matrices")}
    entries = {id(e): e for e in REGISTRY.values()
               if getattr(e.func, "__module__", "") in families and not e.special}
    count = len(_sample_values())
    rng = random.Random(8)
    for entry in sorted(entries.values(), key=lambda e: e.name):
        high = entry.max_args if entry.max_args is not None else entry.min_args + 2
        for _ in range(60):
            n = rng.randint(entry.min_args, min(high, entry.min_args + 2))
            values = _sample_values()          # fresh values: calls may modify them
            args = [values[rng.randrange(count)] for _ in range(n)]
            try:
                entry.func(*args)
            except LispError:
                pass
