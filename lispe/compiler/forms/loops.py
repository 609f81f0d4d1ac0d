"""Loops: loop, for, whilein, loopcount (dotimes), while, mloop (lloop).

A loop in statement position is compiled with `discard=True`: it does not keep its last value.
`(loop true ...)`, `(loop i 5 ...)` and `(loop (i a b) ...)` are DECISIONS.md 1.
"""

from ...errors import LispError
from ...values import Symbol
from ..syntax import form_line, is_form, is_symbol, make_form
from ..table import form


def loop_result(c, out, discard):
    """The variable holding a loop's last body value, or None when the value is discarded."""
    if discard:
        return None
    result = c.temp()
    out.emit(f"{result} = None")
    return result


def loop_body(c, forms, scope, out, result):
    scope.loops += 1
    try:
        if result is None:
            for f in forms:
                c.statement(f, scope, out)
            return
        out.emit(f"{result} = None")       # a break in this iteration leaves nil
        value = c.body(forms, scope, out)
    finally:
        scope.loops -= 1
    out.emit(f"{result} = {value}")


def loop_names(f):
    header = f[1] if len(f) > 1 else None
    if is_form(header) and header and is_symbol(header[0]):
        return [str(header[0])]
    return [str(header)] if is_symbol(header) else []


def loop_always(f):
    """The arguments of a loop that always run: the container (or the range bounds)."""
    return 1 if is_form(f[1]) or f[1] is True else 2


@form("loop", args=(2, None), signature="(loop var container body...)", binds=loop_names,
      always=loop_always, loop=True,
      doc="Run body with var bound to each element (integer n: 0..n-1; (i a b): a..b-1).")
def loop(c, f, scope, out, discard=False):
    header = f[1]
    if header is True:   # (loop true body...): until break
        return while_(c, make_form([Symbol("while"), True] + list(f[2:]), form_line(f)), scope, out,
                      discard)
    result = loop_result(c, out, discard)
    if is_form(header) and header and is_symbol(header[0]):   # (loop (i a b) body...)
        bounds = c.args(header[1:], scope, out)
        var = c.loop_var(header[0], scope)
        iterable = f"range({', '.join(bounds)})"
        body_forms = list(f[2:])
    else:
        if not is_symbol(header):
            raise LispError("Error: loop needs a variable name", "loop", None, form_line(f))
        iterable = f"_rt_iter({c.expr(f[2], scope, out)})"
        var = c.loop_var(header, scope)
        body_forms = list(f[3:])
    body = out.child()
    loop_body(c, body_forms, scope, body, result)
    out.block(f"for {var} in {iterable}", body)
    return result or "None"


@form("for", args=(3, 3), signature="(for var container expression)", binds=loop_names, always=2,
      doc="The list of the values of expression, with var bound to each element of container.")
def for_(c, f, scope, out):
    if not is_symbol(f[1]):
        raise LispError("Error: for needs a variable name", "for", None, form_line(f))
    result = c.temp()
    out.emit(f"{result} = []")
    iterable = f"_rt_iter({c.expr(f[2], scope, out)})"
    var = c.loop_var(f[1], scope)
    body = out.child()
    scope.loops += 1
    try:
        body.emit(f"{result}.append({c.expr(f[3], scope, body)})")
    finally:
        scope.loops -= 1
    out.block(f"for {var} in {iterable}", body)
    return result


@form("whilein", args=(4, None), signature="(whilein var container test body...)",
      binds=loop_names, always=2, loop=True,
      doc="Run body with var bound to each element of container while test is true.")
def whilein(c, f, scope, out, discard=False):
    if not is_symbol(f[1]):
        raise LispError("Error: whilein needs a variable name", "whilein", None, form_line(f))
    result = loop_result(c, out, discard)
    iterable = f"_rt_iter({c.expr(f[2], scope, out)})"
    var = c.loop_var(f[1], scope)
    body = out.child()
    test = c.test(f[3], scope, body)
    body.emit(f"if not {test}: break")
    loop_body(c, list(f[4:]), scope, body, result)
    out.block(f"for {var} in {iterable}", body)
    return result or "None"


def count_names(f):
    return [str(f[2])] if len(f) > 3 and is_symbol(f[2]) else []


@form("loopcount", "dotimes", args=(1, None), signature="(loopcount n (var) body...)",
      binds=count_names, always=1, loop=True,
      doc="Run body n times; var (optional) counts from 0.")
def loopcount(c, f, scope, out, discard=False):
    result = loop_result(c, out, discard)
    count = c.expr(f[1], scope, out)
    if count_names(f):
        var, body_forms = c.loop_var(f[2], scope), list(f[3:])
    else:
        var, body_forms = "_", list(f[2:])
    body = out.child()
    loop_body(c, body_forms, scope, body, result)
    out.block(f"for {var} in _rt_count({count})", body)
    return result or "None"


@form("while", args=(1, None), signature="(while test body...)", always=1, loop=True,
      doc="Run body while test is true.")
def while_(c, f, scope, out, discard=False):
    result = loop_result(c, out, discard)
    test = out.child()
    cond = c.test(f[1], scope, test)
    body = out.child()
    loop_body(c, list(f[2:]), scope, body, result)
    if not test.lines:
        out.block(f"while {cond}", body)
        return result or "None"
    whole = out.child()
    whole.extend(test)
    whole.emit(f"if not {cond}: break")
    whole.extend(body)
    out.block("while True", whole)
    return result or "None"


def mloop_names(f):
    return [str(v) for v in f[1] if is_symbol(v)] if len(f) > 1 and is_form(f[1]) else []


@form("mloop", "lloop", args=(2, None), signature="(mloop (v1 v2...) l1 l2... body...)",
      binds=mloop_names, always=lambda f: 1 + len(mloop_names(f)), loop=True,
      doc="Iterate over several containers in parallel.")
def mloop(c, f, scope, out, discard=False):
    if not is_form(f[1]):
        raise LispError("Error: Wrong number of arguments for: 'mloop'", "mloop", None, form_line(f))
    result = loop_result(c, out, discard)
    names = list(f[1])
    containers = c.args(f[2:2 + len(names)], scope, out)
    names_py = [c.loop_var(n, scope) for n in names]
    body = out.child()
    loop_body(c, list(f[2 + len(names):]), scope, body, result)
    iterables = ", ".join(f"_rt_iter({x})" for x in containers)
    out.block(f"for {', '.join(names_py)}, in zip({iterables})", body)
    return result or "None"
