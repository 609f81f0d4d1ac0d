"""Thread forms: dethread (a function whose calls run in a new thread), threadspace (a block
where variables set with seth are shared by the threads), lock (a block run under a named
lock).  The run-time side is lispe/builtins/threads.py."""

from ...errors import LispError
from ...runtime import mangle
from ..scoping import Scope
from ..syntax import form_line, is_form, is_symbol
from ..table import form


@form("dethread", args=(3, None), signature="(dethread name (params...) body...)",
      doc="Define a function whose calls run in a new thread (they return true at once).")
def dethread(c, f, scope, out):
    if not is_symbol(f[1]) or not is_form(f[2]):
        raise LispError("Error: Wrong number of arguments for: 'dethread'", "dethread", None, form_line(f))
    name = str(f[1])
    c.check_assignable(name, f)
    c.functions.add(name)
    pyname = c.function(None, f[2], list(f[3:]), "function", Scope("module"), out, f)
    out.emit(f"_rt_G[{mangle(name)!r}] = _rt_thread_function({name!r}, {pyname})")
    return f"_rt_G[{mangle(name)!r}]"


@form("threadspace", args=(0, None), signature="(threadspace body...)", always=None,
      doc="Run the body where seth shares variables between threads; its last value.")
def threadspace(c, f, scope, out):
    out.emit("_rt_enter_threadspace()")
    c.threadspace += 1
    try:
        return c.body_then(list(f[1:]), scope, out, ["_rt_leave_threadspace()"])
    finally:
        c.threadspace -= 1


@form("lock", args=(1, None), signature="(lock key body...)", always=None,
      doc="Run the body holding the lock named key (one thread at a time); its last value.")
def lock(c, f, scope, out):
    key = c.value_in_temp(c.expr(f[1], scope, out), out)
    result = c.temp()
    body = out.child()
    body.emit(f"{result} = {c.body(list(f[2:]), scope, body)}")
    out.block(f"with _rt_lock_for({key})", body)
    return result
