"""Spaces: `(defspace name definitions...)` keeps the functions defined in it apart from the
global ones, and `(space name body...)` runs the body with them in front.  A function defined
in a space is also seen globally while no global definition of that name exists (as in the
original: the last definition of the name wins there)."""

from ..syntax import form_line, is_symbol
from ..table import form
from ...errors import LispError


@form("defspace", args=(1, None), signature="(defspace name definitions...)", always=None,
      doc="Define functions in the space name.")
def defspace(c, f, scope, out):
    return in_space(c, f, scope, out, "_rt_space_open", "_rt_space_close")


@form("space", args=(2, None), signature="(space name body...)", always=None,
      doc="Run the body with the functions of space name in front of the global ones.")
def space(c, f, scope, out):
    return in_space(c, f, scope, out, "_rt_space_enter", "_rt_space_leave")


def in_space(c, f, scope, out, enter, leave):
    if not is_symbol(f[1]):
        raise LispError(f"Error: '{f[0]}' needs a space name", str(f[0]), None, form_line(f))
    saved = c.temp()
    out.emit(f"{saved} = {enter}({str(f[1])!r})")
    return c.body_then(list(f[2:]), scope, out, [f"{leave}({saved})"])
