"""Names of the reference's instruction table that are not part of the language here, each
registered so that a program using one gets an error saying why (docs/differences.md).

- `%__void__%`, `%__empty__%`, `%__quote__%`, `%__next__%`, `%data`: internal instructions of
  the C++ evaluator (the code it generates for empty bodies, quoted values, iteration and data
  constructors); a program cannot reach them there either.
- `_max_stack_size`: the size of the C++ evaluator's stack, compiled out of the reference build;
  here the depth of LispE recursion is Python's recursion limit.
- `f_debug`: a debugging hook of the macOS build of the C++ interpreter.
"""

from ..errors import LispError
from ..registry import builtin

_WHY = {
    "%__void__%": "an internal instruction of the C++ evaluator",
    "%__empty__%": "an internal instruction of the C++ evaluator",
    "%__quote__%": "an internal instruction of the C++ evaluator",
    "%__next__%": "an internal instruction of the C++ evaluator",
    "%data": "an internal instruction of the C++ evaluator (use the data constructors)",
    "_max_stack_size": "the size of the C++ evaluator's stack (here: Python's recursion limit)",
    "f_debug": "a debugging hook of the macOS build of the C++ interpreter",
}


def _excluded(name, why):
    def refuse(*args):
        raise LispError(f"Error: '{name}' is not available: it is {why}", name)
    refuse.__doc__ = f"Not available: {why}."
    return refuse


for _name, _why in _WHY.items():
    builtin(_name, signature=f"({_name} ...)")(_excluded(_name, _why))
