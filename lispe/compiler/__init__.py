"""The LispE compiler: forms -> Python source -> code objects (the evaluator).

- core.py      the Compiler: expressions, calls, bodies, functions, tail position
- table.py     the table of special forms (`@form`, `@tail`): shape, bindings, loop, tail variant
- forms/       the special forms themselves, one decorated function each
- scoping.py   which names are fast locals, and which may be read before their setq runs
- writer.py    indented Python lines with their LispE line numbers (the unit of one top-level form)
- syntax.py    small questions about forms; quote/macro/source-text conversions
- arities.py   the argument counts the original LispE accepts, per instruction

Adding a special form is one decorated function in forms/ (see table.py and docs/contributing.md).
"""

from . import forms  # noqa: F401  (declares the special forms)
from .core import Compiler

__all__ = ["Compiler"]
