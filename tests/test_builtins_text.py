"""Core builtins: strings, conversions and predicates, JSON, printing, files and system
(spec §4, §11, §12, §13, §15)."""

import io
import json as pyjson
import math
import struct
import sys

import pytest
from hypothesis import given, strategies as st

import lispe.builtins  # noqa: F401  (registers the core builtins)
from lispe.errors import LispError
from lispe.printer import to_string
from lispe.registry import lookup
from lispe.values import EMPTY, Integers, Numbers, Strings, Symbol


def call(name, *args):
    return lookup(name).func(*args)


# strings -------------------------------------------------------------------------------------

def test_case_and_trimming():
    assert call("upper", "abé") == "ABÉ" and call("lower", "ABC") == "abc"
    assert call("trim", " \t x y \n") == "x y"
    assert call("trimleft", "  x ") == "x " and call("trimright", "  x ") == "  x"
    assert call("upper", 3) == "3" and call("trim", [1]) == "(1)"   # printed forms, as the reference
    assert call("trim", "\xa0x\xa0") == "\xa0x\xa0"                   # only the codes 0-32 are blanks
    assert call("trim0", "1.500") == "1.5" and call("trim0", "100") == "100"


@given(st.lists(st.text(alphabet="abcé1", min_size=1), max_size=8))
def test_split_inverts_join(words):
    joined = call("join", words, ",")
    assert joined == ",".join(words)
    assert call("split", joined, ",") == words
    assert call("split", " ".join(words)) == words
    assert type(call("split", joined, ",")) is Strings


def test_split_drops_empty_fields_and_splits_characters():
    assert call("split", "a,,b,", ",") == ["a", "b"]
    assert call("split", "abc", "") == ["a", "b", "c"]
    assert call("split", "  a  b ") == ["a", "b"]


def test_join_uses_printed_forms():
    assert call("join", ["a", 1, 2.0, [1, "x"]], "-") == 'a-1-2-(1 "x")'
    assert call("join", Strings(["a", "b"])) == "ab"


def test_substrings():
    assert call("left", "hello", 2) == "he" and call("right", "hello", 3) == "llo"
    assert call("right", "hello", 0) == "" and call("middle", "hello", 1, 3) == "ell"
    assert call("replace", "a.b.c", ".", "::") == "a::b::c"
    assert call("startwith", "hello", "he") is True and call("endwith", "hello", "x") is False
    assert call("fill", "ab", 3) == "ababab"


def test_format_replaces_numbered_placeholders():
    assert call("format", "%2 then %1 (%3)", "a", 2.0, [1]) == "2 then a ((1))"
    assert call("format", "%5 kept", 1) == "%5 kept"


def test_ord_chr():
    assert list(call("ord", "A")) == [65] and list(call("ord", "hé")) == [104, 233]
    assert call("chr", 955) == "λ" and call("chr", Integers([72, 105])) == "Hi"
    with pytest.raises(LispError, match="chr expects a character code"):
        call("chr", -1)


def test_character_predicates():
    assert call("digitp", "123") is True and call("digitp", "12a") is False
    assert call("alphap", "abé") is True and call("upperp", "AB") is True
    assert call("lowerp", "aB") is False and call("vowelp", "ae") is True
    assert call("consonantp", "bc") is True and call("punctuationp", "!?") is True
    assert call("spacep", " \t") is True and call("digitp", "") is False


# conversions and predicates ------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [("12", 12), ("-7", -7), ("3.9", 3), ("12abc", 12),
                                           ("abc", 0), ("0x1F", 31), ("2e3", 2000)])
def test_integer_parses_strings(text, expected):
    assert call("integer", text) == expected


def test_integer_number_float():
    assert call("integer", -3.9) == -3 and call("integer", True) == 1
    assert call("number", "2.5") == 2.5 and type(call("number", 2)) is float
    f = call("float", 0.1)
    assert f == struct.unpack("f", struct.pack("f", 0.1))[0]
    assert to_string(call("type", f)) == "float_" and to_string(f) == "0.1"
    with pytest.raises(LispError, match="cannot convert inf"):
        call("integer", math.inf)


def test_string_atom_type():
    assert call("string", 2.0) == "2" and call("string", [1, "a"]) == '(1 "a")'
    assert call("string", "x") == "x" and call("string", None) == "nil"
    assert call("atom", "abc") == Symbol("abc") and type(call("atom", "abc")) is Symbol
    for value, name in ((1, "integer_"), (1.5, "number_"), ("s", "string_"), ([1], "list_"),
                        ({}, "dictionary_"), (Integers(), "integers_"), (None, "atom_"),
                        (Symbol("a"), "atom_"), (Strings(), "strings_")):
        assert call("type", value) == Symbol(name)


def test_predicates():
    assert call("nullp", None) is True and call("nullp", []) is True and call("nullp", 0) is False
    assert call("emptyp", "") is True and call("emptyp", {}) is True
    assert call("emptyp", [0]) is False and call("emptyp", 1) is False
    assert call("zerop", 0.0) is True and call("zerop", "0") is True   # as the reference
    assert call("numberp", 1) is True and call("numberp", True) is False
    assert call("integerp", 1) is True and call("integerp", 1.0) is False
    assert call("floatp", 1.0) is True and call("stringp", "a") is True
    assert call("stringp", Symbol("a")) is False and call("atomp", Symbol("a")) is True
    assert call("consp", [1]) is True and call("listp", Integers()) is True
    assert call("dictionaryp", {}) is True and call("consp", "a") is False


# JSON -------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.just(True) | st.integers(-10**6, 10**6) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12)


@given(json_values)
def test_json_roundtrip_and_python_reads_it(value):
    text = call("json", value)
    assert pyjson.loads(text) == value
    assert call("json_parse", text) == value


def test_json_forms():
    assert call("json", {"b": [1, 2.0, "x"], "a": None, "c": True}) == \
        '{"a":null,"b":[1,2,"x"],"c":true}'
    assert call("json", 0.1) == "0.1" and call("json", Numbers([1.5])) == "[1.5]"
    assert call("json", 'q"\n') == '"q\\"\\n"'


def test_json_parse_rules():
    parsed = call("json_parse", '{"a":1.0,"b":[true,false,null],"c":2.5,"d":{"e":"é"}}')
    assert parsed == {"a": 1, "b": [True, None, None], "c": 2.5, "d": {"e": "é"}}
    assert type(parsed["a"]) is int
    with pytest.raises(LispError, match="^Error: JSON"):
        call("json_parse", "{bad")


def test_json_read(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('[1, {"k": "v"}]', encoding="utf-8")
    assert call("json_read", str(path)) == [1, {"k": "v"}]


# printing --------------------------------------------------------------------------------------

def test_print_functions(capsys):
    assert call("print", "a", 1, 2.0) is EMPTY
    call("println", "x", [1, "s"], None, True)
    call("println")
    call("printerr", "e")
    call("printerrln", "r", 2)
    out, err = capsys.readouterr()
    assert out == 'a12x (1 "s") nil true\n\n'
    assert err == "er 2\n"


def test_prettify():
    short = [1, "a"]
    assert call("prettify", short) == to_string(short, True) + "\n"
    long_value = {"key": list(range(40)), "nested": [[i, i] for i in range(12)]}
    text = call("prettify", long_value)
    assert text.count("\n") > 40 and all(len(line) <= 60 for line in text.split("\n"))
    assert text.replace("\n", " ").split() == text.split()
    assert call("prettify", "plain") == "plain"


# files and system ------------------------------------------------------------------------------

def test_fwrite_fappend_fread(tmp_path):
    path = str(tmp_path / "f.txt")
    assert call("fwrite", path, "héllo\n") is True
    assert call("fappend", path, 42) is True
    assert call("fread", path) == "héllo\n42"
    assert call("file_exists", path) is True
    assert call("file_exists", str(tmp_path / "nope")) is False


def test_fread_errors_name_the_path_and_survive_bad_utf8(tmp_path):
    missing = str(tmp_path / "missing.txt")
    with pytest.raises(LispError, match="fread: cannot read file '.*missing.txt'"):
        call("fread", missing)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok \xff\xfe end")
    assert call("fread", str(bad)) == "ok \ufffd\ufffd end"


def test_input_reads_lines_and_returns_nil_at_eof(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("first line\nlast"))
    assert call("input") == "first line"
    assert call("input@") == "last"
    assert call("input") is None


def test_command_sleep_memory_throw():
    assert call("command", "echo one; echo two") == ["one\n", "two\n"]
    assert call("sleep", 1) is True
    assert call("memory_size") > 1_000_000
    with pytest.raises(LispError, match="^boom$"):
        call("throw", "boom")
