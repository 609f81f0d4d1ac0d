"""In-process tests of the higher-order functions and of the system functions whose behaviour a
conformance case cannot show (tests/conformance/functional_ref.txt and printing_ref.txt hold
the reference's outputs): quoted functions compiled once, locals seen by quoted code, errors
located at the caller's line, trace, exit, and the refused internal instructions."""

import contextlib
import io

import pytest

from lispe.builtins.functional import quoted_function
from lispe.errors import LispError
from lispe.interpreter import Lisp
from lispe.registry import lookup
from lispe.runtime import to_callable
from lispe.values import Integers, Strings, Symbol


def run(text):
    """The value of `text` and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        value = Lisp().eval(text)
    return value, out.getvalue()


def test_a_quoted_function_is_compiled_once_per_shape():
    lisp = Lisp()
    lisp.eval("(defun f (l) (map '(* 2) l))")
    assert lisp.eval("(f '(1 2))") == [2, 4]
    compiled = dict(lisp.globals["_quoted_functions"])
    assert lisp.eval("(f '(3))") == [6]
    assert lisp.globals["_quoted_functions"] == compiled


def test_quoted_code_sees_the_callers_locals_at_each_call():
    value, _ = run("(defun keep (l n) (filter '(< n) l))"
                   " (list (keep '(1 2 3 4) 3) (keep '(1 2 3 4) 2))")
    assert value == [[1, 2], [1]]


def test_an_error_inside_quoted_code_is_located_at_the_calling_line():
    with pytest.raises(LispError) as e:
        Lisp().eval("(setq l '(1 2))\n\n(map '(+ \"a\" nosuch) l)", "prog.lisp")
    assert e.value.line == 3 and e.value.file == "prog.lisp"


def test_to_callable_turns_quoted_lists_into_functions():
    lisp = Lisp()
    lisp.eval("(defun pair (a b) (list a b))")
    program = "(list (sort '(lambda (a b) (> a b)) '(1 3 2)) (apply '(pair 0) '(9)))"
    assert lisp.eval(program) == [[3, 2, 1], [0, 9]]
    with pytest.raises(LispError, match="a running LispE program"):
        to_callable([Symbol("+"), 1])(2)


def test_quoted_function_rejects_an_empty_list():
    with pytest.raises(LispError, match="empty list not accepted"):
        quoted_function([])


def test_typed_results():
    value, _ = run("(list (maplist '(* 2) (integers 1 2)) (filterlist '(< 1) (strings \"a\" \"b\"))"
                   " (maplist 'string '(1 2)))")
    assert [type(v) for v in value] == [Integers, Strings, Strings]


def test_trace_prints_each_call_of_a_lispe_function():
    value, out = run("(defun sq (x) (* x x)) (trace true) (defun f (a) (+ (sq a) 1)) (f 3)"
                     " (trace nil) (f 1) (trace)")
    assert out == "(1) (f 3)\n(2) (sq 3)\n"
    assert value is False


def test_exit_ends_the_program_with_its_status():
    with pytest.raises(SystemExit) as e:
        run('(println "before") (exit 3) (println "after")')
    assert e.value.code == 3


@pytest.mark.parametrize("name", ["%__void__%", "%data", "_max_stack_size", "f_debug"])
def test_internal_instructions_of_the_reference_are_refused(name):
    with pytest.raises(LispError, match=f"'{name}' is not available: it is"):
        lookup(name).func()


def test_atoms_lists_functions_and_variables():
    value, _ = run("(setq my_variable 1) (atoms)")
    assert Symbol("map") in value and Symbol("my_variable") in value


def test_endless_sequences_stay_lazy_until_taken():
    from itertools import count
    from lispe.builtins.functional import Lazy, drop, filter_, map_, take, takewhile
    naturals = Lazy(lambda: count(1))
    squares = map_(lambda x: x * x, naturals)
    assert isinstance(squares, Lazy)
    assert takewhile(lambda x: x < 30, squares) == [1, 4, 9, 16, 25]
    assert take(3, drop(2, filter_(lambda x: x % 2, naturals))) == [5, 7, 9]
    with pytest.raises(LispError, match="endless"):
        Lisp().execute("foldl", "+", 0, naturals)
    value, _ = run("(list (take 5 (map '* (cycle '(1 2)))) (takewhile '(< 20) (map '* (irange 1 1)))"
                   " (take 2 (drop 3 (repeat 'a))))")
    assert value == [[1, 4, 1, 4, 1], [1, 4, 9, 16], ["a", "a"]]


def test_apply_checks_the_number_of_arguments_of_a_builtin():
    with pytest.raises(LispError, match="wrong number of arguments for: '\\+'"):
        run("(apply '+ ())")


def test_bodies_gives_the_clauses_of_a_pattern_function():
    value, _ = run("(defpat g (1) 'one) (defpat g (x) 'other)"
                   " (list (size (bodies g)) ((car (bodies g)) 1) ((cadr (bodies g)) 5) (bodies 'g))")
    assert value == [2, "one", "other", "g"]
    with pytest.raises(LispError, match="Could not find a match"):
        run("(defpat g (1) 'one) (defpat g (x) 'other) ((car (bodies g)) 2)")
