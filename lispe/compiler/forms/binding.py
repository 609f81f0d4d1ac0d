"""Forms that bind names, and quote: setq, setg, setqi, seth, the in-place operators (+= ...),
let, quote."""

from ...errors import LispError
from ...registry import lookup
from ...runtime import mangle
from ...values import Symbol
from ..core import native_condition
from ..syntax import form_line, is_form, is_symbol, make_form, to_data
from ..table import form

AUGMENTED = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%", "^^=": "^^", "**=": "**",
             "<<=": "<<", ">>=": ">>", "&=": "&", "|=": "|", "^=": "^", "&~=": "&~"}


def target(f, constants=()):
    """The variable name a binding form assigns (its first argument)."""
    if not is_symbol(f[1]):
        raise LispError(f"Error: '{f[0]}' needs a variable name", str(f[0]), None, form_line(f))
    name = str(f[1])
    if name in ("nil", "true"):
        raise LispError(f"Error: Invalid variable name: '{name}' (keyword)", str(f[0]), None,
                        form_line(f))
    if name in constants:
        raise LispError(f"Error: '{name}' is a constant value", str(f[0]), getattr(f, "file", None),
                        form_line(f))
    return name


def first_name(f):
    """The names setq binds: its variable, or each variable of `(setq (a b ...) value)`."""
    if len(f) > 1 and is_form(f[1]):
        return [str(x) for x in f[1] if is_symbol(x)]
    return [str(f[1])] if len(f) > 1 and is_symbol(f[1]) else []


@form("setq", args=(2, 2), signature="(setq name value)", binds=first_name, always=None,
      doc="Bind name in the current frame; returns true.")
def setq(c, f, scope, out):
    if is_form(f[1]) and f[1]:
        return setq_list(c, f, scope, out)
    name = target(f, c.constants)
    c.check_assignable(name, f, variable=True)
    value = c.expr(f[2], scope, out)
    if scope.kind == "module" and not scope.is_local(name):
        c.functions.discard(name)
    c.assign(name, value, scope, out)
    return "True"


def setq_list(c, f, scope, out):
    """`(setq (a b ...) value)`: each variable takes the element of the list in its place."""
    names = [target(make_form([f[0], x], form_line(f)), c.constants) for x in f[1]]
    for name in names:
        c.check_assignable(name, f, variable=True)
    values = c.temp()
    out.emit(f"{values} = _rt_unpack({c.expr(f[2], scope, out)}, {len(names)})")
    for i, name in enumerate(names):
        if scope.kind == "module" and not scope.is_local(name):
            c.functions.discard(name)
        c.assign(name, f"{values}[{i}]", scope, out)
    return "True"


@form("setg", args=(2, 2), signature="(setg name value)", always=None,
      doc="Bind name in the global frame; returns true.")
def setg(c, f, scope, out):
    name = target(f, c.constants)
    c.check_assignable(name, f, variable=True)
    c.assign(name, c.expr(f[2], scope, out), scope, out, "global")
    return "True"


@form("seth", args=(2, 2), signature="(seth name value)", always=None,
      doc="Inside a threadspace block: set a variable shared by the threads; returns true.")
def seth(c, f, scope, out):
    name = target(f)
    return f"_rt_set_shared({name!r}, {c.expr(f[2], scope, out)})"


@form("setqi", args=(2, 2), signature="(setqi name value)", always=None,
      doc="Set a field of the current instance (inside a method); returns true.")
def setqi(c, f, scope, out):
    name = target(f)
    value = c.expr(f[2], scope, out)
    if not scope.this:
        out.emit(f"raise _rt_LispError({c.constant('Error: setqi can only be used within an instance')})")
        return "None"
    c.assign(name, value, scope, out, "field")
    return "True"


@form(*AUGMENTED, args=(2, None), signature="(+= name value...)", always=None,
      doc="Update a variable in place: (+= x 1) is (setq x (+ x 1)) where x is found.")
def augmented(c, f, scope, out):
    if is_form(f[1]) and len(f[1]) >= 3 and is_symbol(f[1][0]) and str(f[1][0]) in ("@", "at"):
        return augmented_place(c, f, scope, out)
    name = target(f, c.constants)
    op = Symbol(AUGMENTED[str(f[0])])
    current = c.variable(f[1], scope, out)
    if len(f) == 3 and op in ("+", "-", "*") and current == mangle(name) \
            and (scope.is_local(name) or scope.kind == "module"):
        if scope.kind == "module":
            c.unit.globals_assigned.add(current)
        return augmented_inline(c, op, current, f[2], scope, out)
    new = make_form([op, f[1]] + list(f[2:]), form_line(f))
    value = c.value_in_temp(c.expr(new, scope, out), out)
    if scope.is_local(name):
        c.assign(name, value, scope, out)
    elif scope.this and current.startswith(f"{scope.this}.fields"):
        out.emit(f"{current} = {value}")
    elif scope.this:
        out.emit(f"_rt_set_field_or_global({scope.this}, {name!r}, {mangle(name)!r}, {value})")
    else:
        c.assign(name, value, scope, out, "global")
    return value


def augmented_place(c, f, scope, out):
    """`(+= (@ c k...) v)`: the element at the keys is updated in place; its new value."""
    at, set_at = c.builtin_ref(lookup("@")), c.builtin_ref(lookup("set@"))
    container, *keys = [c.value_in_temp(c.expr(x, scope, out), out) for x in f[1][1:]]
    holder = c.temp()
    out.emit(f"{holder} = {at}({', '.join([container] + keys[:-1])})" if len(keys) > 1
             else f"{holder} = {container}")
    values = [c.expr(v, scope, out) for v in f[2:]]
    op = c.builtin_ref(lookup(AUGMENTED[str(f[0])]))
    result = c.temp()
    out.emit(f"{result} = {op}({at}({holder}, {keys[-1]}), {', '.join(values)})")
    out.emit(f"{set_at}({holder}, {keys[-1]}, {result})")
    return result


def augmented_inline(c, op, current, value_form, scope, out):
    """`x op= v` on a Python variable: native for numbers (and strings for +), else generic."""
    rhs = c.value_in_temp(c.expr(value_form, scope, out), out)
    fast = native_condition(current, rhs, scope.type_of) or "True"
    if op == "+":
        fast = f"{fast} or type({current}) is str and type({rhs}) is str"
    native, generic = out.child(), out.child()
    native.emit(f"{current} {op}= {rhs}")
    generic.emit(f"{current} = {c.builtin_ref(lookup(op))}({current}, {rhs})")
    out.block(f"if {fast}", native)
    out.block("else", generic)
    return current


@form("setqv", args=(2, 2), signature="(setqv name value)", binds=first_name, always=None,
      doc="setq that returns the value instead of true.")
def setqv(c, f, scope, out):
    setq(c, f, scope, out)
    return c.variable(f[1], scope, out)


@form("label", args=(2, 2), signature="(label name value)", binds=first_name, always=None,
      doc="Bind name in the current frame once (an error if it is bound there); returns the value.")
def label(c, f, scope, out):
    name = target(f, c.constants)
    key = mangle(name)
    value = c.value_in_temp(c.expr(f[2], scope, out), out)
    message = c.constant(f"Error: '{name}' has been recorded already")
    if scope.kind == "module":
        out.emit(f"if {key!r} in _rt_G: raise _rt_LispError({message})")
    else:
        out.emit(f"if locals().get({key!r}, _rt_UNSET) is not _rt_UNSET: raise _rt_LispError({message})")
    c.assign(name, value, scope, out)
    return value


@form("setconst", args=(2, 2), signature="(setconst name value)", always=None,
      doc="Bind a global constant: a later setq of name is an error before the program runs.")
def setconst(c, f, scope, out):
    name = target(f)
    c.constants.add(name)
    value = c.value_in_temp(c.expr(f[2], scope, out), out)
    out.emit(f"_rt_G[{mangle(name)!r}] = {value}")
    return value


@form("setfast", args=(2, 2), signature="(setfast name value)", always=None,
      doc="Store value in the fast slot name (global); returns the value.")
def setfast(c, f, scope, out):
    name = target(f)
    value = c.value_in_temp(c.expr(f[2], scope, out), out)
    out.emit(f"_rt_fast[{name!r}] = {value}")
    return value


@form("getfast", args=(1, 1), signature="(getfast name)",
      doc="The value stored in the fast slot name (nil if none).")
def getfast(c, f, scope, out):
    return f"_rt_fast.get({target(f)!r})"


def let_names(f):
    if len(f) > 1 and is_form(f[1]):
        return [str(b[0]) for b in f[1] if is_form(b) and b and is_symbol(b[0])]
    return []


@form("let", args=(2, None), signature="(let ((name value)...) body...)", binds=let_names, always=None,
      doc="Bind names for the duration of the body.")
def let(c, f, scope, out):
    if not is_form(f[1]):
        raise LispError("Error: let bindings are (name value) lists", "let", None, form_line(f))
    saved = []
    for binding in f[1]:
        if not is_form(binding) or not binding or not is_symbol(binding[0]):
            raise LispError("Error: let bindings are (name value) lists", "let", None, form_line(f))
        name = str(binding[0])
        value = c.expr(binding[1] if len(binding) > 1 else None, scope, out)
        if scope.kind == "module":
            t = c.temp()
            out.emit(f"{t} = _rt_G.get({mangle(name)!r}, _rt_MISSING)")
            saved.append((name, t))
        c.assign(name, value, scope, out)
    if not saved:
        return c.body(list(f[2:]), scope, out)
    return c.body_then(list(f[2:]), scope, out,
                       [f"_rt_restore({mangle(name)!r}, {t})" for name, t in saved])


@form("quote", args=(1, 1), signature="(quote x)", doc="x, unevaluated.")
def quote(c, f, scope, out):
    value = to_data(f[1])
    if isinstance(value, list):
        return f"_rt_copy({c.constant(value)})"
    return c.constant(value)
