"""The Python bridge (issue 12): `(use 'pylispe)` from LispE, `lispe.Lisp` from Python.

Covers every function of lispe/libs/python.py, each conversion both ways, errors both ways,
and every example of docs/python.md (each block runs; its printed output must equal the
`text` block that follows it).
"""

import os
import re
import sys
from pathlib import Path

import numpy
import pytest
import torch

import lispe
from lispe import Lisp, LispError
from lispe.libs.python import to_lispe, to_python
from lispe.values import DictI, DictN, Floats, Integers, LispSet, Strings, Symbol

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"


@pytest.fixture
def lisp():
    interp = Lisp()
    interp.eval("(use 'pylispe)")
    return interp


def error_of(lisp, code):
    with pytest.raises(LispError) as info:
        lisp.eval(code)
    return info.value


# conversions ---------------------------------------------------------------------------------
def test_lispe_to_python_plain_values_cross_unchanged():
    for value in (3, 2.5, "text", None, True):
        assert to_python(value) is value
    items = [1, "a", [2.0, None]]
    assert to_python(items) is items          # nothing to convert: the same list


def test_lispe_to_python_converted_values():
    assert type(to_python(Symbol("abc"))) is str
    assert to_python(Integers([1, 2])) == [1, 2] and type(to_python(Integers([1, 2]))) is list
    assert to_python(Floats([0.5])) == [0.5]
    assert to_python(Strings(["a"])) == ["a"] and type(to_python(Strings(["a"]))) is list
    nested = to_python([Integers([1]), Symbol("x")])
    assert nested == [[1], "x"] and type(nested[0]) is list and type(nested[1]) is str
    assert to_python(DictI({1: Integers([2])})) == {1: [2]}
    assert type(to_python(DictI({1: 2}))) is dict
    assert to_python(LispSet({1, 2})) == {1, 2} and type(to_python(LispSet({1}))) is set
    tensor = torch.ones(2)
    assert to_python(tensor) is tensor


def test_python_to_lispe_values():
    assert to_lispe(False) is None and to_lispe(True) is True and to_lispe(None) is None
    assert to_lispe((1, (2, False))) == [1, [2, None]]
    same = [1, "a"]
    assert to_lispe(same) is same
    assert to_lispe([1, False]) == [1, None]
    assert type(to_lispe(numpy.float32(1.5))) is float and to_lispe(numpy.int64(7)) == 7
    assert type(to_lispe(numpy.int64(7))) is int and to_lispe(numpy.bool_(False)) is None
    assert type(to_lispe({1: "a"})) is DictI and type(to_lispe({1.5: "a", 2: "b"})) is DictN
    assert to_lispe({"a": (1,)}) == {"a": [1]}
    assert to_lispe({(1, 2): "pair"}) == {"(1 2)": "pair"}
    assert type(to_lispe({1, 2})) is LispSet
    array = numpy.zeros(3)
    assert to_lispe(array) is array and to_lispe(numpy) is numpy


def test_conversions_through_a_call(lisp):
    out = lisp.eval("""
        (setq py (python))
        (python_run py "def kinds(*xs): return [type(x).__name__ for x in xs]")
        (python_execute py "kinds" (list 1 2.5 "s" true nil (list 1) (dictionary "a" 1)
                                          (integers 1 2) 'atom {1:2}))""")
    assert out == ["int", "float", "str", "bool", "NoneType", "list", "dict", "list", "str", "dict"]
    back = lisp.eval("""(python_run py "r = (1, 2.5, 'x', False, None, {'k': (1, 2)}, {3: 4})" "r")""")
    assert back == [1, 2.5, "x", None, None, {"k": [1, 2]}, {3: 4}]
    assert type(back[6]) is DictI


def test_lispe_function_called_by_python_converts_both_ways(lisp):
    # Python hands the LispE function tuples; it sees lists, and its nil comes back as None
    out = lisp.eval("""
        (setq pairs (py_eval "[(2, 'b'), (1, 'a'), (3, 'c')]"))
        (py_apply (py_eval "sorted") (list pairs) (dictionary "key" (lambda (p) (car p))))""")
    assert out == [[1, "a"], [2, "b"], [3, "c"]]
    assert lisp.eval("""(py_call (py_eval "lambda f: f((1, 2))") (lambda (l) (type l)))""") == "list_"


# the original's functions --------------------------------------------------------------------
def test_python_run_and_execute(lisp):
    assert lisp.eval('(setq py (python)) (type py)') == "python_"
    assert lisp.eval('(python_run py "i = 100 + 20")') is True
    assert lisp.eval('(python_run py "j = i * 2" "j")') == 240
    lisp.eval('(python_run py "def toto(i):\\n    return i + 10\\n")')
    assert lisp.eval("(python_execute py \"toto\" '(11))") == 21
    assert lisp.eval('(python_execute py "toto" (integers 1))') == 11


def test_python_run_errors(lisp):
    lisp.eval("(setq py (python))")
    assert error_of(lisp, '(python_run py "x = (")').message.startswith("Error: SyntaxError: ")
    e = error_of(lisp, '(python_run py "1 / 0")')
    assert e.message == "Error: ZeroDivisionError: division by zero" and e.function == "python_run"
    assert error_of(lisp, '(python_run py "a = 1" "b")').message == \
        "Error: b: This Python variable is unknown"
    assert error_of(lisp, '(python_run 12 "a = 1")').message == \
        "Error: first argument should be a 'python' object"


def test_python_run_timeout(lisp):
    e = error_of(lisp, '(setq py (python)) (python_run py "while True: pass" "" 0.2)')
    assert e.message == "Error: TimeoutError: Time out"
    assert lisp.eval('(python_run py "k = 5" "k" 1)') == 5      # the alarm was cleared


def test_python_simple_runfile_setpath_import(lisp, tmp_path, monkeypatch):
    script = tmp_path / "script.py"
    script.write_text("def double(x):\n    return 2 * x\ncount = 3\n")
    module = tmp_path / "bridge_helper_module.py"
    module.write_text("def testing(x):\n    return [x, x + 1]\n")
    monkeypatch.setattr(sys, "path", list(sys.path))
    lisp.eval("(setq py (python))")
    assert lisp.eval('(python_simple py "z = 7")') is True
    assert lisp.eval('(python_run py "" "z")') == 7
    assert lisp.eval(f'(python_runfile py "{script}")') is True
    assert lisp.eval('(python_execute py "double" (list 21))') == 42
    assert lisp.eval(f'(python_setpath py "{tmp_path}")') is True and str(tmp_path) in sys.path
    assert lisp.eval('(python_import py "bridge_helper_module")') is True
    assert lisp.eval('(python_execute py "testing" (list 20))') == [20, 21]
    assert lisp.eval('(python_import py "os.path")') is True
    assert lisp.eval('(python_execute py "os.path.basename" (list "a/b.txt"))') == "b.txt"
    assert error_of(lisp, f'(python_runfile py "{tmp_path}/none.py")').message == \
        f"Error: '{tmp_path}/none.py' is unknown"
    assert error_of(lisp, '(python_import py "no_such_module_x")').message == \
        "Error: ModuleNotFoundError: No module named 'no_such_module_x'"
    assert error_of(lisp, '(python_execute py "nothing" ())').message == \
        "Error: unknown Python function 'nothing'"
    assert error_of(lisp, '(python_execute py "double" 3)').message == \
        "Error: arguments should be a list"
    e = error_of(lisp, '(python_execute py "double" (list "x" 1))')
    assert e.message == "Error: TypeError: double() takes 1 positional argument but 2 were given"


def test_python_runmodule_getmodule_close(lisp):
    lisp.eval("(setq py (python))")
    assert lisp.eval('(python_runmodule py "m" "a = 1\\nb = [a, 2]" "b")') == [1, 2]
    assert lisp.eval('(python_getmodule py "m")') == {"a": 1, "b": [1, 2]}
    assert lisp.eval('(python_getmodule py "m" "a")') == 1
    assert error_of(lisp, '(python_getmodule py "other")').message == \
        "Error: Python module 'other' is unknown"
    assert error_of(lisp, '(python_getmodule py "m" "c")').message == \
        "Error: c: This Python variable is unknown"
    assert lisp.eval("(python_close py)") is True
    assert lisp.eval("(python_close py)") is None          # nothing left to close
    assert error_of(lisp, '(python_getmodule py "m")').message == "Error: Python module 'm' is unknown"
    assert lisp.eval('(python_run py "a = 2" "a")') == 2     # usable again, afresh


# direct access ---------------------------------------------------------------------------------
def test_py_import_getattr_setattr(lisp):
    assert lisp.eval('(py_import "os.path")') is os.path
    assert lisp.eval('(py_getattr (py_import "math") "pi")') == pytest.approx(3.14159265)
    assert lisp.eval('(py_getattr (py_import "os") "path.sep")') == os.sep
    lisp.eval('(setq ns (py_call (py_getattr (py_import "types") "SimpleNamespace")))')
    assert lisp.eval('(py_setattr ns "items" (integers 1 2))') is True
    assert lisp["ns"].items == [1, 2] and type(lisp["ns"].items) is list
    assert error_of(lisp, '(py_getattr (py_import "math") "nope")').message == \
        "Error: AttributeError: module 'math' has no attribute 'nope'"
    assert error_of(lisp, '(py_setattr 3 "x" 1)').message.startswith("Error: AttributeError: ")
    assert error_of(lisp, "(py_import 12)").message == \
        "Error: py_import: the module name should be a string (got integer_)"


def test_py_call_method_apply(lisp):
    assert lisp.eval('(py_call (py_getattr (py_import "math") "hypot") 3 4)') == 5.0
    assert lisp.eval('(py_call (py_eval "divmod") 17 5)') == [3, 2]
    assert lisp.eval('(py_method "a-b" "split" "-")') == ["a", "b"]
    assert lisp.eval('(py_apply (py_eval "round") (list 2.567) (dictionary "ndigits" 1))') == 2.6
    assert lisp.eval('(py_apply (py_eval "dict") () (dictionary "a" 1))') == {"a": 1}
    e = error_of(lisp, '(py_call 5 1)')
    assert e.message == "Error: not a Python function: 5 (a integer_)" and e.function == "py_call"
    assert error_of(lisp, '(py_apply (py_eval "max") 3)').message == \
        "Error: py_apply: the arguments should be a list (got integer_)"
    assert error_of(lisp, '(py_apply (py_eval "max") (list 1) {1:2})').message.startswith(
        "Error: py_apply: the keyword arguments should be a dictionary with string keys")
    assert error_of(lisp, '(py_method "abc" "nope")').message == \
        "Error: AttributeError: 'str' object has no attribute 'nope'"


def test_py_eval_iter_list(lisp):
    assert lisp.eval('(py_eval "[x * y for x in range(n)]" (dictionary "n" 3 "y" 2))') == [0, 2, 4]
    assert lisp.eval('(py_eval "1 < 0")') is None
    assert error_of(lisp, '(py_eval "1 +")').message.startswith("Error: SyntaxError: ")
    assert error_of(lisp, '(py_eval "x" 3)').message == \
        "Error: py_eval: the variables should be a dictionary (got integer_)"
    out = lisp.eval("""
        (setq seen (list))
        (loop kv (py_iter (py_method (py_eval "{'a': 1, 'b': 2}") "items")) (push seen kv))
        seen""")
    assert out == [["a", 1], ["b", 2]]
    assert lisp.eval('(py_list (py_eval "(i * i for i in range(4))"))') == [0, 1, 4, 9]
    assert lisp.eval('(py_list (integers 1 2))') == [1, 2]
    assert error_of(lisp, "(py_list 5)").message == \
        "Error: py_list: not a Python iterable: 5 (a integer_)"
    failing = '(py_list (py_eval "(1 / x for x in (1, 0))"))'
    assert error_of(lisp, failing).message == "Error: ZeroDivisionError: division by zero"


def test_py_tensor_shares_memory(lisp):
    array = numpy.arange(4, dtype=numpy.float32)
    lisp["a"] = array
    t = lisp.eval("(py_tensor a)")
    assert isinstance(t, torch.Tensor) and t.data_ptr() == array.ctypes.data
    array[0] = 10
    assert t[0].item() == 10
    assert error_of(lisp, "(py_tensor (list 1 2))").message == \
        "Error: py_tensor: expected a numpy array (got list_)"


def test_tensors_and_modules_pass_through(lisp):
    lisp.eval("(use 'lispe_torch)")
    t = lisp.eval('(setq t (tensor_ones (integers 2 2))) (py_method t "sum")')
    assert isinstance(t, torch.Tensor) and t.item() == 4.0
    assert lisp.eval('(py_call (py_getattr (py_import "torch") "is_tensor") t)') is True


# errors --------------------------------------------------------------------------------------
def test_python_errors_are_one_line(lisp):
    e = error_of(lisp, '\n(py_call (py_getattr (py_import "math") "sqrt") -1)')
    assert e.message == "Error: ValueError: math domain error"
    assert e.function == "py_call" and e.line == 2
    assert e.located() == "Error: ValueError: math domain error (in py_call), line: 2"
    e = error_of(lisp, '(py_eval "int(\'x\\\\ny\')")')
    assert "\n" not in e.message and e.message.startswith("Error: ValueError: ")


def test_python_traceback_with_lispe_debug(lisp, monkeypatch):
    monkeypatch.setenv("LISPE_DEBUG", "1")
    e = error_of(lisp, '(py_call (py_getattr (py_import "math") "sqrt") -1)')
    first, rest = e.message.split("\n", 1)
    assert first == "Error: ValueError: math domain error"
    assert rest.startswith("Traceback (most recent call last):") and "ValueError" in rest


def test_lispe_error_inside_a_callback_keeps_its_message(lisp):
    e = error_of(lisp, '(py_call (py_eval "lambda f: f(0)")\n (lambda (x) (/ 1 x)))')
    assert e.message == "Error: division by zero" and e.line == 2


# from Python -----------------------------------------------------------------------------------
def test_lisp_execute(tmp_path):
    lisp = Lisp()
    lisp.eval("(defun add (x y) (+ x y))")
    assert lisp.execute("add", 2, 3) == 5
    assert lisp.execute("+", 1, 2, 3) == 6 and lisp.execute("list", 1, "a") == [1, "a"]
    assert lisp.execute("add", [1, 2], [10, 20]) == [11, 22]     # Python lists are LispE lists
    with pytest.raises(LispError, match=r"^Error: Unbound atom: 'nothing'$"):
        lisp.execute("nothing")
    with pytest.raises(LispError, match="is a special form"):
        lisp.execute("if", True, 1, 2)
    with pytest.raises(LispError, match=r"^Error: Wrong number of arguments for: 'car'"):
        lisp.execute("car")
    with pytest.raises(LispError, match=r"^Error: Wrong number of arguments in call to: '\(add \(x y\)"):
        lisp.execute("add", 1)
    lisp.eval("(setq x 3)")
    with pytest.raises(LispError, match=r"^Error: 'x' is not a function$"):
        lisp.execute("x")
    with pytest.raises(LispError, match="belongs to|Unbound atom"):
        Lisp().execute("tensor_ones", [2])      # lispe_torch not loaded


def test_lisp_execute_error_has_file_and_line(tmp_path):
    path = tmp_path / "prog.lisp"
    path.write_text("(defun inv (x)\n  (/ 1 x))\n")
    lisp = Lisp()
    assert lisp.load(str(path)) is None    # a file of definitions has no value (nil), as in the reference
    with pytest.raises(LispError) as info:
        lisp.execute("inv", 0)
    e = info.value
    assert isinstance(e, Exception) and e.message == "Error: division by zero"
    assert e.file == str(path) and e.line == 2
    assert lispe.LispError is LispError


def test_lisp_item_access():
    lisp = Lisp()
    lisp["n"] = 5
    lisp["twice"] = lambda v: 2 * v
    assert lisp.eval("(twice n)") == 10
    lisp.eval('(setq s "text") (defun f (a) (size a))')
    assert lisp["s"] == "text" and lisp["f"]("abc") == 3
    assert lisp["size"]("ab") == 2                 # a builtin
    assert "s" in lisp and "size" in lisp and "undefined" not in lisp
    with pytest.raises(KeyError):
        lisp["undefined"]
    assert "tensor_ones" not in lisp               # its library is not loaded


def test_lisp_load_errors(tmp_path):
    with pytest.raises(LispError, match="^Error: cannot read file"):
        Lisp().load(str(tmp_path / "missing.lisp"))


# docs/python.md ----------------------------------------------------------------------------------
def doc_blocks():
    """(language, code, expected output or None) for every code block of docs/python.md."""
    blocks = re.findall(r"```(\w+)\n(.*?)```", DOC.read_text(), re.DOTALL)
    out = []
    for i, (lang, code) in enumerate(blocks):
        if lang in ("lisp", "python"):
            follows = blocks[i + 1] if i + 1 < len(blocks) else None
            out.append((lang, code, follows[1] if follows and follows[0] == "text" else None))
    return out


@pytest.mark.parametrize("lang, code, expected", doc_blocks(),
                         ids=[f"{n}-{b[0]}" for n, b in enumerate(doc_blocks())])
def test_doc_block(lang, code, expected, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    if lang == "lisp":
        Lisp().eval(code)
    else:
        exec(compile(code, str(DOC), "exec"), {"__name__": "__doc_example__"})
    if expected is not None:
        assert capsys.readouterr().out == expected
    if "savefig" in code:     # the training loop's loss curve
        png = tmp_path / "loss.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000


def test_every_function_is_documented():
    from lispe.registry import entries, load_library
    load_library("pylispe")
    names = {e.name for e in entries() if e.library == "pylispe"}
    text = DOC.read_text()
    assert len(names) == 20
    assert all(f"({name}" in text for name in names)
