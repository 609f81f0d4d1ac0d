"""Fuzzing the reader and the evaluator: any text at all gives a value or a LispError, never a
Python exception or a crash.  Programs are random soups of LispE tokens (balanced or not),
huge numbers, deep nesting and raw bytes.  Functions that block, sleep, touch files or
allocate by count (loops over huge ranges) are left out of the vocabulary so that every
generated program ends quickly.
"""

from hypothesis import HealthCheck, given, settings, strategies as st

from lispe import Lisp, LispError
from lispe.reader import read

ATOMS = ["+", "-", "*", "/", "%", "<", "=", "==", "list", "car", "cdr", "cons", "size", "@",
         "@@", "push", "pop", "reverse", "string", "integer", "number", "upper", "split", "json",
         "json_parse", "keys@", "in", "find", "if", "cond", "setq", "defun", "lambda", "λ",
         "catch", "maybe", "block", "and", "or", "not", "quote", "f", "x", "y", "nil", "true",
         "class@", "let", "switch", "select", "throw", "min", "max", "sort", "map", "filter",
         "self", "return", "break", "dictionary", "integers", "floats", "strings", "type",
         "format", "+=", "use", "@@", "key@", "set@", "sum", "abs", "sqrt", "log", "ife"]
TOKENS = st.one_of(
    st.sampled_from(ATOMS),
    st.sampled_from(["(", ")", "(", ")", "[", "]", "{", "}", ":", "'", ".", ";", ";;", "`", '"']),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=8).map(lambda s: '"' + s.replace('"', "") + '"'),
)
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def evaluates_cleanly(text):
    try:
        Lisp().eval(text)
    except LispError:
        pass


@SETTINGS
@given(st.lists(TOKENS, max_size=40))
def test_token_soup(tokens):
    evaluates_cleanly(" ".join(tokens))


@SETTINGS
@given(st.lists(TOKENS, max_size=30))
def test_balanced_soup(tokens):
    evaluates_cleanly("(" + " ".join(tokens).replace("(", " ").replace(")", " ") + ")")


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_reads_or_fails_cleanly(text):
    try:
        read(text)
    except LispError:
        pass


def test_deep_nesting_is_a_lisp_error():
    for depth in (100, 1000, 100000):
        evaluates_cleanly("(+ 1 " * depth + "1" + ")" * depth)
        evaluates_cleanly("(" * depth)


def test_huge_numbers():
    assert Lisp().eval("(* 99999999999999999999 99999999999999999999)") == 99999999999999999999 ** 2
    evaluates_cleanly("(integer 1e400)")


def test_invalid_utf8_file_is_a_lisp_error(tmp_path):
    path = tmp_path / "bad.lisp"
    path.write_bytes(b'(println "\xff\xfe")')
    try:
        Lisp().run_file(str(path))
    except LispError as e:
        assert "UTF-8" in str(e)
    else:
        raise AssertionError("invalid UTF-8 was accepted")


def test_command_reports_without_traceback(tmp_path, lispe_command):
    path = tmp_path / "bad.lisp"
    path.write_bytes(b"(+ 1 \xff")
    result = lispe_command(path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error")
