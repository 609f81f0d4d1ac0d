"""The interpreter: one global frame, the compiler, and the services compiled code calls back.

    lisp = Lisp()
    lisp.eval("(defun sq (x) (* x x)) (sq 4)")     # -> 16
    lisp.run_file("prog.lisp")

`eval` reads the whole text first (a syntax error runs nothing), then compiles and runs each
top-level form in turn, so a `(use 'lispe_torch)` makes the library's names known to the forms
after it.  Any failure leaves as a `LispError` carrying the function, file and line.
"""

import difflib
import math
import os
import re
import sys
import weakref

from . import __version__
from .compiler import Compiler
from .errors import LispError
from .patterns import DataType, PatternFunction
from .reader import Form, read
from .registry import REGISTRY, load_library, lookup
from .runtime import MISSING, helpers, mangle
from .values import AMBIGUOUS_TRUTH, Symbol

import lispe.builtins  # noqa: F401  (registers the core library)

# Top-level forms the original runs while it reads the program: they leave no value, so a
# program ending with them gives the value of the form before them (nil if none).
DEFINITIONS = frozenset(("defun", "defmacro", "defpat", "defpred", "defprol", "dethread",
                         "data@", "class@", "defclass", "defspace"))


def is_definition(form):
    return isinstance(form, Form) and bool(form) and type(form[0]) is Symbol \
        and str(form[0]) in DEFINITIONS


RECURSION_LIMIT = 20000  # deep LispE recursion; the `lispe` command also gives it a big stack


def demangle(key):
    """The LispE name behind a mangled Python identifier (inverse of runtime.mangle)."""
    if not key.startswith("v_"):
        return key
    return re.sub(r"__|_([0-9a-f]+)x", lambda m: "_" if m.group(0) == "__" else chr(int(m.group(1), 16)),
                  key[2:])


class Lisp:
    """A LispE interpreter with its own global frame."""

    def __init__(self, args=None):
        if sys.getrecursionlimit() < RECURSION_LIMIT:
            sys.setrecursionlimit(RECURSION_LIMIT)
        self.globals = {}
        self.loaded = {"core"}
        self.data_names = set()      # data@ constructors and groups of this interpreter
        self.spaces = {}             # space name -> {mangled name: function defined in it}
        self.from_space = set()      # globals that hold a function defined in a space
        self.units = weakref.WeakValueDictionary()   # code file name -> Unit, while it is used
        self.compiler = Compiler(self)
        self.install_runtime()
        self.set_globals(args or [], os.getcwd() + os.sep)

    # set-up ---------------------------------------------------------------------------
    def install_runtime(self):
        self.globals.update(helpers(self))

    def set_globals(self, args, current):
        values = {
            "_args": list(args), "_current": current, "_sep": os.sep, "_version": __version__,
            "_pi": math.pi, "π": math.pi, "_e": math.e, "ℯ": math.e, "_tau": math.tau,
            "τ": math.tau, "_phi": (1 + 5 ** 0.5) / 2, "ϕ": (1 + 5 ** 0.5) / 2,
        }
        for name, value in values.items():
            self.globals[mangle(name)] = value

    def visible(self, entry):
        """True when the function's library has been loaded with `use` (core always is)."""
        return entry.library in self.loaded

    # running --------------------------------------------------------------------------
    def eval(self, text, file=None):
        """Read, compile and run every form of `text`; return the last value."""
        forms = read(text, file)
        try:
            self.compiler.prescan(forms)
        except RecursionError:
            raise LispError("Error: expression nested too deeply", None, file) from None
        except LispError as e:
            raise self.as_error(e, file) from None
        value = None
        for form in forms:
            result = self.run_form(form, file)
            if not is_definition(form):
                value = result
        return value

    def run_form(self, form, file=None):
        try:
            code, unit = self.compiler.compile_toplevel(form, file)
            self.units[unit.name] = unit
            exec(code, self.globals)
            return self.globals.pop("_rt_main")(*unit.constants)
        except BaseException as e:  # noqa: BLE001 - every failure becomes a LispError
            if isinstance(e, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            raise self.as_error(e, file, getattr(form, "line", None)) from None

    def run_file(self, path):
        """Run a LispE file (its directory becomes `_current`); return the last value."""
        path = os.path.abspath(path)
        text = read_source(path)
        self.globals[mangle("_current")] = os.path.dirname(path) + os.sep
        return self.eval(text, path)

    # helpers called by compiled code ----------------------------------------------------
    def use(self, *names):
        for name in names:
            self.loaded.add(load_library(name))
        return True

    def load(self, path, space=None):
        """`(load path)`, or `(load path space)`: the file's definitions go to that space."""
        path = os.path.abspath(str(path))
        if space is None:
            return self.eval(read_source(path), path)
        opened = self.space_open(str(space))
        try:
            return self.eval(read_source(path), path)
        finally:
            self.space_close(opened)

    def eval_value(self, value):
        if type(value) is str:
            return self.eval(value)
        return self.run_form(value)

    def pattern_family(self, name, kind):
        """The defpat/defpred family `name` that a new clause joins (a new one if there is none)."""
        current = self.globals.get(mangle(name))
        if isinstance(current, PatternFunction) and current.kind == kind:
            return current
        return PatternFunction(name, kind, self.data_names)

    def data_type(self, name, fields, group):
        self.data_names.update(n for n in (name, group) if n is not None)
        return DataType(name, fields, group)

    # spaces (defspace, space, load into a space) ------------------------------------------
    def space_open(self, name):
        """Before the definitions of a space run: what the global frame holds now."""
        return name, dict(self.globals)

    def space_close(self, opened):
        """After them: what they defined goes to the space; global definitions stay in front."""
        name, before = opened
        table = self.spaces.setdefault(name, {})
        for key, value in list(self.globals.items()):
            if before.get(key, MISSING) is value or key.startswith("_"):
                continue
            table[key] = value
            if key in before and key not in self.from_space:
                self.globals[key] = before[key]
            else:
                self.from_space.add(key)

    def space_enter(self, name):
        """`(space name ...)`: put the space's functions in front; returns what they hid."""
        if name not in self.spaces:
            raise LispError(f"Error: unknown space: '{name}'")
        hidden = {key: self.globals.get(key, MISSING) for key in self.spaces[name]}
        self.globals.update(self.spaces[name])
        return hidden

    def space_leave(self, hidden):
        for key, value in hidden.items():
            self.restore(key, value)

    def global_value(self, key, name):
        try:
            return self.globals[key]
        except KeyError:
            entry = lookup(name)
            if entry is not None and not entry.special and self.visible(entry):
                return entry.func
            if entry is not None and not entry.special:
                raise LispError(f"Error: '{name}' belongs to library {entry.library}: "
                                f"add (use '{entry.library}) before using it", name) from None
            raise LispError(f"Error: Unbound atom: '{name}'{self.did_you_mean(name)}") from None

    def field(self, this, name, key):
        fields = this.fields
        if name in fields:
            return fields[name]
        return self.global_value(key, name)

    def set_field_or_global(self, this, name, key, value):
        if name in this.fields:
            this.fields[name] = value
        else:
            self.globals[key] = value

    def restore(self, key, old):
        if old is MISSING:
            self.globals.pop(key, None)
        else:
            self.globals[key] = old

    # errors ----------------------------------------------------------------------------
    def as_error(self, exc, file=None, line=None):
        """A LispError for any exception, located at the innermost LispE line of its traceback."""
        error = exc if isinstance(exc, LispError) else LispError(python_message(exc))
        tb = exc.__traceback__
        callee = lispe_function = None
        while tb is not None:
            unit = self.units.get(tb.tb_frame.f_code.co_filename)
            if unit is not None:
                line = unit.lispe_line(tb.tb_lineno) or line
                file = unit.file
                lispe_function = tb.tb_frame.f_code.co_name
                callee = tb.tb_next.tb_frame.f_code if tb.tb_next is not None else None
            tb = tb.tb_next
        if error.line is None:
            error.line, error.file = line, file
        if error.file is None:
            error.file = file
        if isinstance(exc, RecursionError) and lispe_function not in (None, "_rt_main"):
            error.function = demangle(lispe_function)     # the user's function that recursed
        elif error.function is None and callee is not None:
            error.function = builtin_name(callee)
        if isinstance(exc, TypeError) and error is not exc:
            error.message = self.arity_message(exc) or error.message
        if error is not exc and error.message.startswith("Error: Unbound atom: "):
            error.message += self.did_you_mean(error.message.split("'")[1])
        return error

    def did_you_mean(self, name):
        """` (did you mean: a, b?)` for an unbound name: close names of functions and globals."""
        known = list(REGISTRY) + [demangle(k) for k in self.globals if k.startswith("v_")]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.7)
        return f" (did you mean: {', '.join(close)}?)" if close else ""

    def arity_message(self, exc):
        """Spec §16.2 wording for a call of a LispE function with the wrong argument count."""
        m = re.match(r"(?:\S*\.<locals>\.)?(\S+?)\(\) (takes|missing)", str(exc))
        signature = None
        for unit in list(self.units.values()) if m else ():
            signature = unit.signatures.get(m.group(1), signature)
        if signature is not None:
            kind = "in" if signature.startswith("(lambda") else "in call to"
            return f"Error: Wrong number of arguments {kind}: '{signature}...)'{given_text(exc)}"
        entry = builtin_named(m.group(1)) if m else None
        if entry is None:
            return None
        return f"Error: Wrong number of arguments for: '{entry.name}' (expected {arity_text(entry)}) " \
               f"{entry.signature}"

    # the Python-facing API: lisp.execute("f", 1, 2), lisp["x"], lisp["x"] = 1, "x" in lisp ----
    def execute(self, name, *args):
        """Call the LispE function `name` (user-defined, or of a loaded library) with `args`,
        which are Python values used as they are; any failure raises a LispError."""
        function = self.function_named(str(name), len(args))
        try:
            return function(*args)
        except BaseException as e:  # noqa: BLE001 - every failure becomes a LispError
            if isinstance(e, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            raise self.as_error(e) from None

    def function_named(self, name, nargs):
        """The function `execute` calls for `name` with `nargs` arguments: a global, else a
        loaded builtin (whose argument count is checked here, as the compiler does)."""
        value = self.globals.get(mangle(name), MISSING)
        if value is MISSING:
            entry = lookup(name)
            if entry is not None and entry.special:
                raise LispError(f"Error: '{name}' is a special form, not a function: use eval", name)
            value = self.global_value(mangle(name), name)
            if nargs < entry.min_args or (entry.max_args is not None and nargs > entry.max_args):
                raise LispError(f"Error: Wrong number of arguments for: '{name}' "
                                f"(got {nargs}) {entry.signature}", name)
        if not callable(value):
            raise LispError(f"Error: '{name}' is not a function", name)
        return value

    def __getitem__(self, name):
        """The value of the global `name`: a variable, a user function or a loaded builtin."""
        try:
            return self.global_value(mangle(name), name)
        except LispError:
            raise KeyError(name) from None

    def __setitem__(self, name, value):
        """Set the global variable `name` (Python values are LispE values)."""
        self.globals[mangle(name)] = value

    def __contains__(self, name):
        try:
            self[name]
        except KeyError:
            return False
        return True


_BUILTIN_CODES = {}


def builtin_named(python_name):
    """The registry entry of the builtin whose Python function is called `python_name` (each
    registered function is given its LispE name as qualified name: registry._own_code)."""
    for entry in REGISTRY.values():
        func = entry.func
        if not entry.special and getattr(func, "__qualname__", None) == python_name:
            return entry
    return None


def given_text(exc):
    """` (expected 2, got 3)` read from Python's message for a call with a wrong count."""
    m = re.search(r"takes (?:from )?(\d+)(?: to (\d+))? positional arguments? but (\d+) (?:was|were) given",
                  str(exc))
    if m:
        expected = m.group(1) if m.group(2) is None else f"{m.group(1)} to {m.group(2)}"
        return f" (expected {expected}, got {m.group(3)})"
    m = re.search(r"missing (\d+) required positional argument", str(exc))
    return f" (missing {m.group(1)} argument{'s' if m.group(1) != '1' else ''})" if m else ""


def arity_text(entry):
    if entry.max_args is None:
        return f"at least {entry.min_args}"
    if entry.min_args == entry.max_args:
        return str(entry.min_args)
    return f"{entry.min_args} to {entry.max_args}"


def builtin_name(code):
    """The LispE name of the builtin whose Python code is `code`, or None."""
    if len(_BUILTIN_CODES) != len(REGISTRY):
        _BUILTIN_CODES.clear()
        for name, entry in REGISTRY.items():
            _BUILTIN_CODES.setdefault(getattr(entry.func, "__code__", None), entry.name)
        _BUILTIN_CODES[None] = None
    return _BUILTIN_CODES.get(code)


def python_message(exc):
    """The LispE message for an exception raised by Python itself."""
    if isinstance(exc, ZeroDivisionError):
        return "Error: division by zero"
    if isinstance(exc, RecursionError):
        return "Error: stack overflow: recursion too deep"
    if isinstance(exc, NameError):
        m = re.search(r"'(v_[^']*)'", str(exc))
        return f"Error: Unbound atom: '{demangle(m.group(1)) if m else exc}'"
    if isinstance(exc, MemoryError):
        return "Error: out of memory"
    if isinstance(exc, TypeError) and str(exc).endswith("object is not callable"):
        return "Error: Not a function or a data structure"       # the original's words
    if isinstance(exc, (RuntimeError, ValueError)) and "ambiguous" in str(exc):
        return AMBIGUOUS_TRUTH
    return f"Error: {exc}" if str(exc) else f"Error: {type(exc).__name__}"


def read_source(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise LispError(f"Error: cannot read file '{path}': {e.strerror}") from None
    try:
        return data.decode("utf-8-sig")   # a leading byte-order mark is not part of the program
    except UnicodeDecodeError as e:
        raise LispError(f"Error: '{path}' is not valid UTF-8 (byte {e.start})") from None
