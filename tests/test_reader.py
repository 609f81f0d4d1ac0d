"""Unit tests of the reader (spec §2): forms, positions, and the errors of malformed text."""

import pytest

from lispe import LispError
from lispe.reader import Form, read
from lispe.values import Symbol as S


def test_atoms_numbers_strings():
    assert read('42 -7 +3 3.5 2e-4 0x1F 0b101 "a\\nb" abc') == \
        [42, -7, 3, 3.5, 2e-4, 31, 5, "a\nb", S("abc")]


def test_constants():
    assert read("nil false _ fail_ true") == [None, None, None, None, True]


def test_operator_symbols_and_unicode():
    assert read("+= @@ >=< set@ λ model-path - +") == \
        [S("+="), S("@@"), S(">=<"), S("set@"), S("λ"), S("model-path"), S("-"), S("+")]


def test_lists_and_brackets_keep_positions():
    (form,) = read("(a\n  [b c]\n  (d))", "f.lisp")
    assert isinstance(form, Form) and form.line == 1 and form.file == "f.lisp"
    assert form[1] == [S("b"), S("c")] and form[1].line == 2 and form[2].line == 3


def test_quote():
    assert read("'x '(1 2)") == [[S("quote"), S("x")], [S("quote"), [1, 2]]]


def test_comments():
    assert read("1 ; line\n2 ;; block\n 3 ;; 4\n#!x") == [1, 2, 4]    # #! comments anywhere
    assert read("#!/usr/bin/env lispe\n5") == [5]


def test_raw_strings():
    assert read('`a\\n"b"` """x\ny"""') == ['a\\n"b"', "x\ny"]


def test_dictionary_literal():
    (form,) = read('{"a":1 b : (f x)}')
    assert form.kind == "dict" and form == ["a", 1, S("b"), [S("f"), S("x")]]


def test_dot_composition_and_dotted_pair():
    assert read("(f a . g b . h c)") == [[S("f"), S("a"), [S("g"), S("b"), [S("h"), S("c")]]]]
    assert read("'(1 . 2)") == [[S("quote"), [1, S("."), 2]]]


@pytest.mark.parametrize("text", ["(", "(a (b)", ")", "(a]", '"abc', "`abc", "{1 2 3}"])
def test_malformed_text_is_a_lisp_error(text):
    with pytest.raises(LispError):
        read(text)


def test_error_carries_the_line():
    with pytest.raises(LispError) as info:
        read("(a)\n(b\n", "x.lisp")
    assert info.value.line == 2 and info.value.file == "x.lisp"
