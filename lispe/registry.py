"""One registry for every LispE function, core or library.

    from lispe.registry import builtin

    @builtin("tensor_add", library="lispe_torch", signature="(tensor_add a b)")
    def tensor_add(a, b):
        "Element-wise sum of two tensors."
        ...

The decorator records the name, aliases, signature, one-line doc (the docstring's first line
unless `doc=` is given), the library, and the arity read from the Python parameters
(defaults make arguments optional, `*args` makes the function variadic).  It returns the
function unchanged: compiled LispE code calls it directly, with positional arguments.

Special forms (`if`, `setq`, ...) are registered by the compiler with `special=True` so that
documentation, `--list` and completion see them too.

Errors name the function called (DECISIONS.md 4).  The evaluator names a failing builtin from
the Python code object running when the error left LispE code, so the decorator gives every
registered function a code object of its own (functions made by one factory, or wrapped by
one decorator, would otherwise share one).  Backend failures are declared here too:
`errors="Error saving model"` turns any exception but a LispError into
`Error saving model: <first line of the backend's message> (in torch_save_model)`, and
`errors=True` into `Error in torch_save_model: <message>`; a LispError raised inside keeps its
text and is given the function's name if it has none.

`use` loads a library by name (`load_library`).  The metadata of every function of every
library (names, signatures, docs) is also kept in lispe/function_index.json, written from the
registry by `python -m lispe.docgen` (a test checks that it is current): `lispe --doc`,
`lispe --list` and the REPL's completion read it (`indexed_functions`) without importing any
library, torch included.
"""

import difflib
import functools
import importlib
import inspect
import json
import os
from dataclasses import dataclass, field

from .errors import LispError

LIBRARIES = {
    "core": "lispe.builtins",
    "lispe_torch": "lispe.libs.torch",
    "lispe_tiktoken": "lispe.libs.tiktoken",
    "pylispe": "lispe.libs.python",
}
LIBRARY_ALIASES = {"liblispe_torch": "lispe_torch", "liblispe_tiktoken": "lispe_tiktoken"}  # seed 001


@dataclass
class Entry:
    """What the registry knows of one LispE function."""

    name: str
    func: object
    library: str
    signature: str
    doc: str
    aliases: tuple = ()
    min_args: int = 0
    max_args: object = None  # None: variadic
    special: bool = False
    names: tuple = field(default=())


REGISTRY = {}   # every name and alias -> Entry


def _arity(func):
    low, high = 0, 0
    for p in inspect.signature(func).parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            high = None
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            if high is not None:
                high += 1
            if p.default is p.empty:
                low += 1
    return low, high


def _default_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value + '"'
    return str(value)


def _signature(name, func):
    parts = [name]
    for p in inspect.signature(func).parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            parts.append(f"{p.name}...")
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            if p.default is p.empty:
                parts.append(p.name)
            elif p.default is None or not isinstance(p.default, (bool, int, float, str)):
                parts.append(f"({p.name})")   # a sentinel object: no text that changes per run
            else:
                parts.append(f"({p.name} {_default_text(p.default)})")
    return "(" + " ".join(parts) + ")"


def builtin(name, library="core", signature=None, doc=None, aliases=(), arity=None, special=False,
            errors=None):
    """Register `func` as the LispE function `name` (and `aliases`) of `library`; `errors` (a
    prefix, or True) reports backend failures as LispErrors naming `name`."""

    def register(func):
        if errors is not None:
            func = reporting_errors(func, name, errors)
        entry = make_entry(name, func, library, signature, doc, aliases, arity, special)
        for n in entry.names:
            REGISTRY[n] = entry
        return func

    return register


def make_entry(name, func, library="core", signature=None, doc=None, aliases=(), arity=None,
               special=False):
    """The Entry of `func` under `name` (not yet in the registry)."""
    _own_code(func, name)
    low, high = arity if arity is not None else _arity(func)
    text = doc or (inspect.getdoc(func) or "").strip().split("\n")[0]
    if not special:
        func.lispe_name = name
    return Entry(name, func, library, signature or _signature(name, func), text,
                 tuple(aliases), low, high, special, (name, *aliases))


_FAMILIES = []   # (compiled pattern, factory): names that exist without being listed
_MADE = {}       # name -> Entry made by a family's factory


def name_family(pattern, factory):
    """Every name matching `pattern` (a compiled regular expression) is a function that
    `factory(name)` makes, as an Entry, the first time the name is looked up: the original's
    c[ad]+r compositions are such a family.  The names stay out of the listed registry."""
    _FAMILIES.append((pattern, factory))


_CODES = {}   # code object -> the LispE name it identifies


def _own_code(func, name):
    """Give `func` a code object that no other registered function has, named `name`, and
    `name` as its qualified name (the one Python's argument-count errors show)."""
    code = getattr(func, "__code__", None)
    if code is None:
        return
    if _CODES.get(code, name) != name:
        code = func.__code__ = code.replace(co_name=name, co_qualname=name)
    _CODES[code] = name
    func.__qualname__ = name


def backend_message(error):
    """The first line of a backend exception's message (never empty, never a backtrace)."""
    lines = str(error).strip().splitlines()
    text = lines[0].strip() if lines else ""
    if text.startswith(("'", '"')) and text.endswith(text[0]) and len(text) > 1:
        text = text[1:-1]    # KeyError quotes its key
    return text or _EMPTY_MESSAGES.get(type(error), "failed without a message")


_EMPTY_MESSAGES = {EOFError: "the file ends too early", MemoryError: "out of memory"}


def reporting_errors(func, name, errors):
    """`func` with backend failures turned into LispErrors that name `name`."""

    @functools.wraps(func)
    def call(*args):
        try:
            return func(*args)
        except LispError as e:
            if e.function is None:
                e.function = name
            raise
        except RecursionError:
            raise
        except Exception as e:  # noqa: BLE001 - the backend's own failure, reported once here
            text = backend_message(e)
            message = f"Error in {name}: {text}" if errors is True else f"{errors}: {text}"
            raise LispError(message, name) from e
    return call


def load_library(name):
    """Import the library `name` (its functions register themselves). Unknown name: LispError."""
    name = LIBRARY_ALIASES.get(str(name), str(name))
    if name not in LIBRARIES:
        known = ", ".join(sorted(LIBRARIES))
        raise LispError(f"Error: unknown library '{name}' (known libraries: {known})", "use")
    importlib.import_module(LIBRARIES[name])
    return name


def import_all_libraries():
    """Import every known library, so that the registry lists all of their names."""
    for name in LIBRARIES:
        load_library(name)


def lookup(name):
    """The Entry registered under `name` (or made for it by a name family), or None."""
    entry = REGISTRY.get(name)
    if entry is None and isinstance(name, str):
        entry = _MADE.get(name)
        if entry is None:
            factory = next((f for p, f in _FAMILIES if p.fullmatch(name)), None)
            if factory is not None:
                entry = _MADE[name] = factory(name)
    return entry


def entries():
    """Every Entry once, sorted by library then name."""
    unique = {id(e): e for e in REGISTRY.values()}
    return sorted(unique.values(), key=lambda e: (e.library != "core", e.library, e.name))


def closest_names(name, n=5):
    """The registered names that look most like `name` (for 'did you mean' messages)."""
    return difflib.get_close_matches(name, list(REGISTRY), n=n, cutoff=0.6)


INDEX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "function_index.json")


def index_record(entry):
    """What the function index keeps of `entry`: everything but the Python function."""
    return {"name": entry.name, "library": entry.library, "signature": entry.signature,
            "doc": entry.doc, "aliases": list(entry.aliases), "special": entry.special}


@functools.cache
def indexed_functions():
    """The index record (see `index_record`) of every function of every library, in the order
    of `entries()`, read from lispe/function_index.json: no library is imported."""
    with open(INDEX, encoding="utf-8") as f:
        return tuple(json.load(f))


@functools.cache
def _indexed_names():
    return {n: r for r in indexed_functions() for n in (r["name"], *r["aliases"])}


def indexed(name):
    """The index record of the function named (or aliased) `name`, or None."""
    return _indexed_names().get(name)


def closest_indexed_names(name, n=5):
    """The names of the function index that look most like `name`."""
    return difflib.get_close_matches(name, list(_indexed_names()), n=n, cutoff=0.6)
