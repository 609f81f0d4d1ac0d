"""Forms that reach outside the current code: use, load, eval, loadcode, elapse; and the
original's instructions that have no meaning here (deflib, deflibpat, asyncjs, evaljs), which
fail with an error that says why."""

from ...errors import LispError
from ...values import Symbol
from ..syntax import form_line, is_symbol, make_form
from ..table import form


@form("elapse", args=(0, None), signature="(elapse (body...))", always=None,
      doc="Milliseconds: since an origin, or taken by the body.")
def elapse(c, f, scope, out):
    if len(f) == 1:
        return "_rt_now_ms()"
    start = c.temp()
    out.emit(f"{start} = _rt_now_ms()")
    c.statement(make_form([Symbol("block")] + list(f[1:]), form_line(f)), scope, out)
    return f"(_rt_now_ms() - {start})"


@form("use", args=(1, 2), signature="(use 'library)", always=None,
      doc="Load a library (lispe_torch, lispe_tiktoken).")
def use(c, f, scope, out):
    return f"_rt_use({', '.join(c.args(f[1:], scope, out))})"


@form("load", args=(1, 2), signature="(load path (space))", always=None,
      doc="Run a LispE file in the global frame; its last value.")
def load(c, f, scope, out):
    """The space name is not evaluated: `(load path truc)` loads into the space truc."""
    path = c.expr(f[1], scope, out)
    if len(f) == 2:
        return f"_rt_load({path})"
    if not is_symbol(f[2]):
        raise LispError("Error: Cannot use this label to define a space", "load", None, form_line(f))
    return f"_rt_load({path}, {str(f[2])!r})"


@form("eval", args=(1, 1), signature="(eval code)", always=None,
      doc="Evaluate a form, or a string of LispE code.")
def eval_(c, f, scope, out):
    return f"_rt_eval({c.args(f[1:], scope, out)[0]})"


@form("loadcode", args=(1, 2), signature="(loadcode code)", always=1,
      doc="Evaluate a string of LispE code (a second argument is accepted and ignored, as in the original).")
def loadcode(c, f, scope, out):
    return f"_rt_eval(_rt_text({c.expr(f[1], scope, out)}))"


OUTSIDE = {
    "deflib": "it declares a function implemented in C++ (an extension of the original); "
              "write the function in Python and register it with lispe.registry.builtin",
    "deflibpat": "it declares a pattern function implemented in C++ (an extension of the "
                 "original); write it in Python and register it with lispe.registry.builtin",
    "asyncjs": "it only exists in the WebAssembly build of the original (a JavaScript host)",
    "evaljs": "it only exists in the WebAssembly build of the original (a JavaScript host)",
}


def refuse(name):
    @form(name, args=(0, None), signature=f"({name} ...)",
          doc=f"Not available here: {OUTSIDE[name]}.")
    def refused(c, f, scope, out):
        raise LispError(f"Error: '{name}' is not available: {OUTSIDE[name]}", name,
                        getattr(f, "file", None), form_line(f))
    return refused


for _name in OUTSIDE:
    refuse(_name)
