"""pylispe: Python from LispE, on the Python interpreter that runs LispE (`(use 'pylispe)`).

The original's bridge embeds a Python interpreter in C++; here LispE already runs inside
Python, so every call is a direct Python call.  Two sets of functions:

* The original's names: `(python)` makes a Python namespace (the original's interpreter
  object); `python_run`, `python_simple`, `python_runfile` run code in it; `python_import`
  imports a module into it; `python_execute` calls a function defined there or in an imported
  module; `python_runmodule` / `python_getmodule` run code in a separate local namespace and
  read it back; `python_setpath` extends `sys.path`; `python_close` empties the namespace.
* Direct access (new, prefixed `py_`): `py_import`, `py_getattr`, `py_setattr`, `py_call`,
  `py_method`, `py_apply` (keyword arguments from a dictionary), `py_eval`, `py_iter`,
  `py_list`, and `py_tensor` (a numpy array as a tensor that shares its memory).

Conversions (`to_python`, `to_lispe`): integer/number/string/true/nil are Python's own int,
float, str, True, None; typed lists become Python lists; a LispE function handed to Python is
called with converted arguments.  Coming back, False becomes nil, tuples become lists, numpy
scalars numbers, a dictionary's kind follows its keys; every other object (a tensor, a numpy
array, a module) passes through unchanged.

A Python exception raised by the called code becomes one LispE error,
`Error: <ExceptionType>: <message>`; with `LISPE_DEBUG=1` its Python traceback follows.
"""

import array
import builtins
import importlib
import operator
import os
import signal
import sys
import threading
import traceback
import types

from ..errors import LispError
from ..printer import register_printer, to_string
from ..registry import builtin
from ..values import (DictI, DictN, Floats, Integers, LispSet, LList, Numbers, Pair, Shorts,
                      Strings, Symbol, register_type_name, type_name)

LIBRARY = "pylispe"

SAME = frozenset((int, float, str, type(None)))   # values that cross unchanged, both ways
_SAME_IN = SAME | {bool}                           # LispE -> Python: True/False too


# conversions -------------------------------------------------------------------------------
def to_python(value):
    """The Python value for a LispE value (see the module docstring)."""
    kind = type(value)
    if kind in _SAME_IN:
        return value
    convert = _TO_PYTHON.get(kind)
    return value if convert is None else convert(value)


def to_lispe(value):
    """The LispE value for a Python value (see the module docstring)."""
    kind = type(value)
    if kind in SAME:
        return value
    convert = _TO_LISPE.get(kind)
    if convert is None:
        convert = _TO_LISPE[kind] = _lispe_converter(kind)
    return convert(value)


def _lispe_converter(kind):
    """How values of a class new to the bridge come back to LispE (decided once per class)."""
    if issubclass(kind, int):        # IntEnum...
        return int
    if issubclass(kind, float):      # numpy.float64
        return float
    if issubclass(kind, dict):       # OrderedDict, defaultdict, Counter...
        return _dict_to_lispe
    numpy = sys.modules.get("numpy")
    if numpy is not None and issubclass(kind, numpy.generic):   # numpy.int64, numpy.bool_...
        return lambda value: to_lispe(value.item())
    return _same


def _same(value):
    return value


def _same_or_new(items, converted):
    """`items` itself when no element changed (the object Python code mutates is the LispE one)."""
    return items if all(map(operator.is_, converted, items)) else converted


def _list_to_python(items):
    return _same_or_new(items, [x if type(x) in _SAME_IN else to_python(x) for x in items])


def _dict_to_python(d):
    return {to_python(k): to_python(v) for k, v in d.items()}


def _list_to_lispe(items):
    return _same_or_new(items, [x if type(x) in SAME else to_lispe(x) for x in items])


def _dict_to_lispe(d):
    """A LispE dictionary: integer keys give a dictionary_i, number keys a dictionary_n,
    string keys (or mixed keys, printed as strings) a dictionary."""
    keys = [to_lispe(k) for k in d]
    values = [to_lispe(v) for v in d.values()]
    kinds = {type(k) for k in keys}
    if kinds == {str}:
        if all(map(operator.is_, keys, d)) and all(map(operator.is_, values, d.values())):
            return d
        return dict(zip(keys, values))
    if kinds == {int}:
        return DictI(zip(keys, values))
    if kinds and kinds <= {int, float}:
        return DictN(zip(map(float, keys), values))
    return {k if type(k) is str else to_string(k): v for k, v in zip(keys, values)}


def _callback(function):
    """A LispE function as Python code calls it: arguments and result converted."""

    def call(*args):
        return to_python(function(*map(to_lispe, args)))

    call.lispe_function = function
    call.__name__ = getattr(function, "lispe_name", "lambda")
    return call


def _function_to_python(function):
    return _callback(function) if hasattr(function, "lispe_source") else function


_TO_PYTHON = {
    Symbol: str, list: _list_to_python, Strings: list, LList: _list_to_python,
    Integers: Integers.tolist, Shorts: Shorts.tolist, Numbers: Numbers.tolist,
    Floats: Floats.tolist, dict: _dict_to_python, DictI: _dict_to_python,
    DictN: _dict_to_python, LispSet: lambda s: {to_python(x) for x in s},
    Pair: lambda p: [to_python(p.car), to_python(p.cdr)], types.FunctionType: _function_to_python,
}
_TO_LISPE = {
    bool: lambda b: True if b else None, list: _list_to_lispe,
    tuple: lambda t: [to_lispe(x) for x in t], dict: _dict_to_lispe,
    set: lambda s: LispSet(map(to_lispe, s)), frozenset: lambda s: LispSet(map(to_lispe, s)),
    DictI: _same, DictN: _same, Symbol: _same,     # LispE's own values, back from Python
}
ARGUMENT_LISTS = (list, tuple, array.array, LList)


# errors ------------------------------------------------------------------------------------
def python_error(exc):
    """The LispE error for an exception raised by Python code (LispE errors pass unchanged)."""
    if isinstance(exc, LispError):
        return exc
    message = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    text = f"Error: {type(exc).__name__}: {message}" if message else f"Error: {type(exc).__name__}"
    if os.environ.get("LISPE_DEBUG") == "1":
        text += "\n" + "".join(traceback.format_exception(exc)).rstrip()
    return LispError(text)


# the original's interpreter object -------------------------------------------------------------
class Python:
    """What `(python)` returns: a namespace of the running Python interpreter, the modules
    imported into it, and the local namespaces of `python_runmodule`."""

    def __init__(self):
        self.namespace = {"__name__": "__lispe__", "__builtins__": builtins}
        self.modules = []    # imported by python_import, searched by python_execute
        self.locals = {}     # python_runmodule's namespaces, by name
        self.used = False

    def close(self):
        """Forget everything; True when there was something to forget."""
        used = self.used
        self.__init__()
        return used

    def run(self, code, local=None, file="<string>"):
        """Compile then run `code` in the namespace (and `local`), as the original does."""
        self.used = True
        try:
            compiled = compile(code, file, "exec")
            exec(compiled, self.namespace, self.namespace if local is None else local)
        except LispError:
            raise
        except Exception as e:  # noqa: BLE001 - the Python code's own failure, reported as is
            raise python_error(e) from None

    def variable(self, scope, name):
        if name not in scope:
            raise LispError(f"Error: {name}: This Python variable is unknown")
        return to_lispe(scope[name])

    def function(self, name):
        """`name` (dotted names allowed) from the namespace, else from the imported modules."""
        value = self.namespace.get(name)
        if callable(value):
            return value
        head, *rest = name.split(".")
        for scope in (self.namespace, *map(vars, self.modules)):
            value = scope.get(head)
            for part in rest:
                value = getattr(value, part, None)
            if callable(value):
                return value
        raise LispError(f"Error: unknown Python function '{name}'")


register_type_name(Python, "python_")
register_printer(Python, lambda py: "<python>")


def _check(py):
    if not isinstance(py, Python):
        raise LispError("Error: first argument should be a 'python' object")
    return py


def _text(value, fname, what):
    if not isinstance(value, str):
        raise LispError(f"Error: {fname}: {what} should be a string (got {type_name(value)})")
    return value


def _with_timeout(seconds, action):
    """Run `action()`, interrupted by TimeoutError('Time out') after `seconds` (main thread)."""
    if threading.current_thread() is not threading.main_thread():
        raise LispError("Error: python_run: a timeout only works in the main thread")

    def expire(signum, frame):
        raise TimeoutError("Time out")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return action()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@builtin("python", library=LIBRARY, signature="(python)")
def python():
    "A new Python namespace (the original's Python interpreter object)."
    return Python()


@builtin("python_run", library=LIBRARY, signature='(python_run py code (variable "") (timeout -1))')
def python_run(py, code, variable="", timeout=-1):
    "Run Python code in py's namespace; the value of `variable` if given, else true."
    py = _check(py)
    code = _text(code, "python_run", "the code")
    if timeout is not None and timeout != -1:
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            raise LispError("Error: python_run: the timeout should be a positive number of seconds")
        _with_timeout(timeout, lambda: py.run(code))
    else:
        py.run(code)
    return py.variable(py.namespace, str(variable)) if variable else True


@builtin("python_simple", library=LIBRARY, signature="(python_simple py code)")
def python_simple(py, code):
    "Run a piece of Python code in py's namespace; true."
    _check(py).run(_text(code, "python_simple", "the code"))
    return True


@builtin("python_runfile", library=LIBRARY, signature="(python_runfile py path)")
def python_runfile(py, path):
    "Run a Python script in py's namespace (its functions become available); true."
    py = _check(py)
    path = _text(path, "python_runfile", "the path")
    try:
        with open(path, encoding="utf-8") as f:
            code = f.read()
    except OSError:
        raise LispError(f"Error: '{path}' is unknown") from None
    py.namespace["__file__"] = os.path.abspath(path)
    py.run(code, file=path)
    return True


@builtin("python_runmodule", library=LIBRARY,
         signature='(python_runmodule py name code (variable ""))')
def python_runmodule(py, name, code, variable=""):
    "Run Python code in a new local namespace kept under `name`; `variable`'s value or true."
    py = _check(py)
    name = _text(name, "python_runmodule", "the module name")
    local = {}
    py.run(_text(code, "python_runmodule", "the code"), local)
    py.locals[name] = local
    return py.variable(local, str(variable)) if variable else True


@builtin("python_getmodule", library=LIBRARY, signature='(python_getmodule py name (variable ""))')
def python_getmodule(py, name, variable=""):
    "A variable of a python_runmodule namespace, or all of them as a dictionary."
    py = _check(py)
    name = _text(name, "python_getmodule", "the module name")
    if name not in py.locals:
        raise LispError(f"Error: Python module '{name}' is unknown")
    local = py.locals[name]
    if variable:
        return py.variable(local, str(variable))
    return {key: to_lispe(value) for key, value in local.items()}


@builtin("python_setpath", library=LIBRARY, signature="(python_setpath py path)")
def python_setpath(py, path):
    "Add a folder to Python's module search path (sys.path); true."
    _check(py).used = True
    path = _text(path, "python_setpath", "the path")
    if path not in sys.path:
        sys.path.append(path)
    return True


@builtin("python_import", library=LIBRARY, signature="(python_import py name)")
def python_import(py, name):
    "Import a module into py's namespace; python_execute finds its functions; true."
    py = _check(py)
    name = _text(name, "python_import", "the module name")
    py.used = True
    module = _import(name)
    py.namespace[name.split(".")[0]] = sys.modules[name.split(".")[0]]
    if module not in py.modules:
        py.modules.append(module)
    return True


@builtin("python_execute", library=LIBRARY, signature="(python_execute py name arguments)")
def python_execute(py, name, arguments):
    "Call a Python function of py's namespace or imported modules with a list of arguments."
    py = _check(py)
    if not isinstance(arguments, ARGUMENT_LISTS) and arguments is not None:
        raise LispError("Error: arguments should be a list")
    function = py.function(_text(name, "python_execute", "the function name"))
    return py_call(function, *(arguments or ()))


@builtin("python_close", library=LIBRARY, signature="(python_close py)")
def python_close(py):
    "Empty py's namespace (it starts afresh when used again); nil if it was unused."
    return True if _check(py).close() else None


# direct access ---------------------------------------------------------------------------------
def _import(name):
    try:
        return importlib.import_module(name)
    except Exception as e:  # noqa: BLE001 - ModuleNotFoundError, or the module's own failure
        raise python_error(e) from None


def _call(function, args, kwargs):
    try:
        return to_lispe(function(*args, **kwargs))
    except Exception as e:  # noqa: BLE001 - the called code's failure, as one LispE error
        raise _call_error(function, e) from None


def _call_error(function, exc):
    """The LispE error for a failed call: no function at all, or the function's own failure."""
    if not callable(function):
        return LispError(f"Error: not a Python function: {to_string(function)} "
                         f"(a {type_name(function)})")
    return python_error(exc)


@builtin("py_import", library=LIBRARY)
def py_import(name):
    "Import a Python module (dotted names allowed) and return it."
    return _import(_text(name, "py_import", "the module name"))


@builtin("py_getattr", library=LIBRARY)
def py_getattr(obj, name):
    "The attribute `name` of a Python object (a dotted path like \"linalg.norm\" is followed)."
    name = _text(name, "py_getattr", "the attribute name")
    value = obj
    try:
        if "." not in name:
            return to_lispe(getattr(obj, name))
        for part in name.split("."):
            value = getattr(value, part)
    except Exception as e:  # noqa: BLE001 - AttributeError, or a property's own failure
        raise python_error(e) from None
    return to_lispe(value)


@builtin("py_setattr", library=LIBRARY)
def py_setattr(obj, name, value):
    "Set the attribute `name` of a Python object to a value (converted); true."
    name = _text(name, "py_setattr", "the attribute name")
    try:
        setattr(obj, name, to_python(value))
    except Exception as e:  # noqa: BLE001 - read-only attribute, or the setter's own failure
        raise python_error(e) from None
    return True


@builtin("py_call", library=LIBRARY)
def py_call(function, *arguments):
    "Call a Python function with positional arguments (converted both ways)."
    for a in arguments:
        if type(a) not in _SAME_IN:
            arguments = [to_python(a) for a in arguments]
            break
    try:
        result = function(*arguments)
    except Exception as e:  # noqa: BLE001 - the called code's failure, as one LispE error
        raise _call_error(function, e) from None
    return result if type(result) in SAME else to_lispe(result)


@builtin("py_method", library=LIBRARY)
def py_method(obj, name, *arguments):
    "Call the method `name` of a Python object with positional arguments."
    try:
        method = getattr(obj, name)
    except Exception as e:  # noqa: BLE001 - AttributeError, or a property's own failure
        _text(name, "py_method", "the method name")
        raise python_error(e) from None
    return py_call(method, *arguments)


@builtin("py_apply", library=LIBRARY)
def py_apply(function, arguments, keywords=None):
    "Call a Python function with a list of arguments and a dictionary of keyword arguments."
    if not isinstance(arguments, ARGUMENT_LISTS) and arguments is not None:
        raise LispError("Error: py_apply: the arguments should be a list "
                        f"(got {type_name(arguments)})")
    if keywords is not None and not (isinstance(keywords, dict) and all(
            isinstance(k, str) for k in keywords)):
        raise LispError("Error: py_apply: the keyword arguments should be a dictionary "
                        f"with string keys (got {type_name(keywords)})")
    args = [to_python(a) for a in arguments or ()]
    return _call(function, args, {str(k): to_python(v) for k, v in (keywords or {}).items()})


@builtin("py_eval", library=LIBRARY)
def py_eval(expression, variables=None):
    "Evaluate a Python expression, with the variables of an optional dictionary."
    expression = _text(expression, "py_eval", "the expression")
    if variables is not None and not isinstance(variables, dict):
        raise LispError("Error: py_eval: the variables should be a dictionary "
                        f"(got {type_name(variables)})")
    scope = {"__builtins__": builtins}
    scope.update((str(k), to_python(v)) for k, v in (variables or {}).items())
    try:
        return to_lispe(eval(expression, scope))
    except Exception as e:  # noqa: BLE001 - syntax error, or the expression's own failure
        raise python_error(e) from None


def _iterator(iterable, fname):
    try:
        return iter(iterable)
    except TypeError:
        raise LispError(f"Error: {fname}: not a Python iterable: {to_string(iterable)} "
                        f"(a {type_name(iterable)})") from None


def _converted(iterator):
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except Exception as e:  # noqa: BLE001 - the iterator's own failure
            raise python_error(e) from None
        yield to_lispe(item)


@builtin("py_iter", library=LIBRARY)
def py_iter(iterable):
    "A lazy iterator over a Python iterable, for loop (elements converted one by one)."
    return _converted(_iterator(to_python(iterable), "py_iter"))


@builtin("py_list", library=LIBRARY)
def py_list(iterable):
    "The elements of a Python iterable (a generator, a range, a dict's items...) as a list."
    return list(_converted(_iterator(to_python(iterable), "py_list")))


@builtin("py_tensor", library=LIBRARY)
def py_tensor(ndarray):
    "A numpy array as a torch tensor that shares its memory (no copy)."
    numpy = sys.modules.get("numpy")
    if numpy is None or not isinstance(ndarray, numpy.ndarray):
        raise LispError(f"Error: py_tensor: expected a numpy array (got {type_name(ndarray)})")
    import torch
    try:
        return torch.from_numpy(ndarray)
    except Exception as e:  # noqa: BLE001 - a dtype torch does not have, say
        raise python_error(e) from None
