"""Forms that reach outside the current code: use, load, eval, elapse."""

from ...values import Symbol
from ..syntax import form_line, make_form
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
    return f"_rt_load({', '.join(c.args(f[1:], scope, out))})"


@form("eval", args=(1, 1), signature="(eval code)", always=None,
      doc="Evaluate a form, or a string of LispE code.")
def eval_(c, f, scope, out):
    return f"_rt_eval({c.args(f[1:], scope, out)[0]})"
