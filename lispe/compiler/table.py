"""The table of special forms: each is declared once, with everything the compiler asks of it.

    @form("if", args=(2, 3), signature="(if test then (else))", doc="...", always=1)
    def if_(c, form, scope, out):
        ...                                  # returns a Python expression; may emit statements

    @tail("if")
    def tail_if(c, form, scope, out): ...    # the variant for tail position (emits `return`s)

The declaration says:
- `args`: the accepted argument counts (min, max or None), checked centrally with the form's line;
- `binds(form)`: the LispE names the form binds in the current function frame (setq, loop...);
- `assigns`: for setq-like forms, where the bound name's value is given (scoping analysis);
- `always`: how many leading arguments always run; the others may not (if, loops...): `None`
  means every argument runs, in order (block, let...); a function of the form when it depends
  on the form's shape.  The scoping analysis needs it to know
  whether a name is surely set before it is read;
- `loop`: the form is a loop: in statement position it skips keeping its last value.

Every form is also entered in the registry (special=True), so `--list`, `--doc` and the REPL's
completion know it.  A form's function receives the Compiler `c`, the form, the current Scope and
the Writer that statements go to.
"""

from dataclasses import dataclass

from ..errors import LispError
from ..registry import builtin
from .syntax import form_line


@dataclass
class FormSpec:
    name: str
    compile: object
    min_args: int
    max_args: object
    binds: object = None
    always: object = 0
    loop: bool = False
    tail: object = None


FORMS = {}   # name and aliases -> FormSpec


def form(*names, args=(0, None), signature=None, doc=None, binds=None, always=0, loop=False):
    """Declare the special form `names[0]` (aliases `names[1:]`) compiled by the function.
    A form without `doc` is internal: the compiler writes it, users never see it."""

    def declare(function):
        low, high = args
        spec = FormSpec(names[0], function, low, high, binds, always, loop)
        for name in names:
            FORMS[name] = spec
        if doc is not None:
            builtin(names[0], signature=signature, doc=doc, aliases=names[1:], special=True,
                    arity=(low, high))(function)
        return function

    return declare


def tail(*names):
    """Declare the tail-position variant of already declared forms."""

    def declare(function):
        for name in names:
            FORMS[name].tail = function
        return function

    return declare


def check_args(spec, form):
    """Raise the reference's arity error when `form` has a count of arguments `spec` refuses."""
    n = len(form) - 1
    if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
        raise LispError(f"Error: Wrong number of arguments for: '{form[0]}'", str(form[0]),
                        getattr(form, "file", None), form_line(form))
