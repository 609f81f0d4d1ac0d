"""Definition forms: defun, lambda, defmacro, class@ (with from@, this, withclass)."""

from ...errors import LispError
from ...runtime import mangle
from ...values import Symbol
from ..scoping import Scope
from ..syntax import class_parts, form_line, is_form, is_symbol, make_form, source_text
from ..table import form


@form("defun", args=(3, None), signature="(defun name (params...) body...)",
      doc="Define a global function; returns it.")
def defun(c, f, scope, out):
    if not is_symbol(f[1]):
        raise LispError("Error: Wrong number of arguments for: 'defun'", "defun", None, form_line(f))
    name = str(f[1])
    c.check_assignable(name, f)
    c.functions.add(name)
    toplevel = scope.kind == "module"
    pyname = c.function(name, f[2], list(f[3:]), "function", Scope("module"), out, f,
                        pyname=None if not toplevel else _global_name(c, name))
    out.emit(f"{pyname}.lispe_source = {c.constant(source_text(f))}")
    out.emit(f"{pyname}.lispe_name = {name!r}")
    if not toplevel:
        out.emit(f"_rt_G[{mangle(name)!r}] = {pyname}")
    return pyname


def _global_name(c, name):
    key = mangle(name)
    c.unit.globals_assigned.add(key)
    return key


@form("lambda", "λ", "\\", args=(1, None), signature="(lambda (params...) body...)",
      doc="An anonymous function.")
def lambda_(c, f, scope, out):
    pyname = c.function(None, f[1], list(f[2:]), "lambda", scope, out, f)
    out.emit(f"{pyname}.lispe_source = {c.constant(source_text(f, lambda_=True))}")
    return pyname


@form("defmacro", args=(3, None), signature="(defmacro name (params...) body)",
      doc="Define a macro: calls are replaced by the body with the arguments substituted.")
def defmacro(c, f, scope, out):
    if not is_symbol(f[1]) or not is_form(f[2]):
        raise LispError("Error: Wrong number of arguments for: 'defmacro'", "defmacro", None,
                        form_line(f))
    body = f[3] if len(f) == 4 else make_form([Symbol("block")] + list(f[3:]), form_line(f))
    c.macros[str(f[1])] = (list(f[2]), body)
    return "True"


@form("class@", "defclass", args=(2, None), signature="(class@ Name (fields...) (defun method ...) ...)",
      doc="Declare a class with fields and methods; (from@ Parent) inherits.")
def class_(c, f, scope, out):
    if not is_symbol(f[1]) or not is_form(f[2]):
        raise LispError("Error: Wrong number of arguments for: 'class@'", "class@", None, form_line(f))
    c.declare_class(f)
    name = str(f[1])
    module = Scope("module")
    field_forms, defuns, parent_name = class_parts(f)
    fields = [_field_spec(c, field, name, module, out, f) for field in field_forms]
    methods = []
    for element in defuns:
        if not (is_form(element) and len(element) > 2 and is_symbol(element[0], "defun")):
            raise LispError("Error: a class body holds (defun ...) methods and (from@ Parent)",
                            "class@", None, form_line(element, form_line(f)))
        pyname = c.function(str(element[1]), element[2], list(element[3:]), "method",
                            module, out, element, cls=name)
        out.emit(f"{pyname}.lispe_source = {c.constant(source_text(element))}")
        methods.append(f"{str(element[1])!r}: {pyname}")
    parent = c.variable(parent_name, scope, out) if parent_name is not None else "None"
    out.emit(f"_rt_G[{mangle(name)!r}] = _rt_LispClass({name!r}, [{', '.join(fields)}], "
             f"{{{', '.join(methods)}}}, {parent})")
    return f"_rt_G[{mangle(name)!r}]"


def _field_spec(c, field, cls, module, out, f):
    """`(name thunk)` for a field: the thunk computes its default (None: no default)."""
    if not is_form(field):
        return f"({str(field)!r}, None)"
    if len(field) > 1:
        thunk = c.function(None, [], [field[1]], "method", module, out, f, cls=cls)
        return f"({str(field[0])!r}, {thunk})"
    return f"({str(field[0])!r}, _rt_nil_default)"


@form("from@", args=(1, None), signature="(from@ Parent (method args...))",
      doc="Inside a method: call the parent class's version of a method.")
def from_(c, f, scope, out):
    if len(f) != 3 or not is_form(f[2]) or not scope.this:
        raise LispError("Error: from@ calls a parent method inside a method: (from@ Parent (m ...))",
                        "from@", None, form_line(f))
    cls = c.variable(f[1], scope, out)
    args = c.args(f[2][1:], scope, out)
    return f"{cls}.methods[{str(f[2][0])!r}]({', '.join([scope.this] + args)})"


@form("this", args=(0, 0), signature="(this)", doc="The current class instance.")
def this(c, f, scope, out):
    if not scope.this:
        raise LispError("Error: (this) is only meaningful inside a method", "this", None, form_line(f))
    return scope.this


@form("withclass", args=(1, None), signature="(withclass Class body...)",
      doc="Evaluate the body (method calls are resolved against Class).")
def withclass(c, f, scope, out):
    return c.body(list(f[2:]), scope, out)


@form("toclean", args=(1, 1), signature="(toclean 'method)", always=None,
      doc="Inside a method: run method (no arguments) when the instance is freed.")
def toclean(c, f, scope, out):
    value = c.expr(f[1], scope, out)
    if not scope.this:
        return raise_error(c, out, "Error: this function can only be called from within a class instance")
    return f"{scope.this}.to_clean({value})"


def raise_error(c, out, message):
    """Emit the raising of a LispE error when this code runs (it is valid until then)."""
    out.emit(f"raise _rt_LispError({c.constant(message)})")
    return "None"
