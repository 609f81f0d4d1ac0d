"""Pattern functions and data types: defpat, defpred, defprol, data@, and flip.

Each `defpat`/`defpred` clause is compiled to a Python function whose parameters are the
variables of its patterns; the clause is added to the family's `PatternFunction` (see
lispe/patterns.py), which unifies the arguments and calls the clause that matches.  A `defpred`
clause body fails (and the next clause is tried) as soon as one of its expressions is false.
"""

from ...errors import LispError
from ...patterns import TYPE_PATTERNS, FunctionPattern
from ...reader import Form
from ...registry import lookup
from ...runtime import mangle
from ...values import Symbol
from ..scoping import Scope
from ..syntax import form_line, is_dict_literal, is_form, is_symbol, make_form, source_text
from ..table import FORMS, form, tail


@form("defpat", args=(3, None), signature="(defpat name (patterns...) body...)",
      doc="Add a clause to a pattern function: it runs when every argument matches its pattern.")
def defpat(c, f, scope, out):
    return clause(c, f, out, "pattern_", list(f[3:]))


@form("defpred", args=(3, None), signature="(defpred name (patterns...) test...)",
      doc="Like defpat, but the clause fails (and the next one is tried) when a test is false.")
def defpred(c, f, scope, out):
    return clause(c, f, out, "predicate_", [make_form([Symbol("%predicate")] + list(f[3:]), form_line(f))])


@form("defprol", args=(3, None), signature="(defprol name (patterns...) body...)",
      doc="Like defpat, but every matching clause runs: the list of their values.")
def defprol(c, f, scope, out):
    return clause(c, f, out, "prolog_", list(f[3:]))


def clause(c, f, out, kind, body):
    if not is_symbol(f[1]) or not is_form(f[2]) or is_dict_literal(f[2]):
        raise LispError(f"Error: Wrong number of arguments for: '{f[0]}'", str(f[0]), None, form_line(f))
    name = str(f[1])
    c.check_assignable(name, f)
    c.functions.add(name)
    calls = []
    patterns = [call_patterns(c, p, calls) for p in f[2]]
    variables = pattern_variables(patterns, c.data_names)
    params = [Symbol(v) for v in variables]
    pyname = c.function(None, params, body, "function", Scope("module"), out, f)
    for marker, call in calls:
        marker.variables = variables
        test = c.function(None, params, [call], "function", Scope("module"), out, f)
        out.emit(f"{c.constant(marker)}.test = {test}")
    family = f"_rt_G[{mangle(name)!r}]"
    out.emit(f"{family} = _rt_pattern_family({name!r}, {kind!r})")
    out.emit(f"{family}.add({c.constant(patterns)}, {variables!r}, {pyname})")
    return family


def call_patterns(c, p, calls):
    """`p` with each call pattern, `(checking 15 x)`, replaced by a FunctionPattern (the
    original treats a pattern whose head is a function or an instruction as a test)."""
    if not is_form(p) or is_dict_literal(p) or not p:
        return p
    if is_call(c, p):
        marker = FunctionPattern(call_argument(c, p), None, source_text(p))
        calls.append((marker, p))
        return marker
    return Form([call_patterns(c, x, calls) for x in p], p.file, p.line, p.kind)


def is_call(c, p):
    name = str(p[0]) if is_form(p) and p and is_symbol(p[0]) else None
    if name is None or name in TYPE_PATTERNS or name in c.data_names or name in ("$", "quote"):
        return False
    return c.user_defined(name) or lookup(name) is not None or name in FORMS


def call_argument(c, p):
    """The variable a call pattern binds: its last argument, the argument of a call pattern
    in last place, or else the last atom among its arguments."""
    last = p[-1]
    if is_call(c, last):
        return call_argument(c, last)
    for x in [last] + list(p[-2:0:-1]):
        if is_symbol(x):
            return x
    raise LispError("Error: Missing argument in defpat/defpred/defprol function", str(p[0]), None,
                    form_line(p))


def pattern_variables(patterns, data_names):
    """The variable names of a parameter list of patterns, in order of first appearance."""
    found = []

    def walk(p, head=False):
        if isinstance(p, FunctionPattern):
            walk(p.argument)
        elif is_symbol(p):
            name = str(p)
            if name != "$" and not (head and (name in TYPE_PATTERNS or name in data_names)) \
                    and name not in found:
                found.append(name)
        elif is_form(p):
            for i, x in enumerate(p):
                walk(x, head=(i == 0 and not is_dict_literal(p)))

    for p in patterns:
        walk(p)
    return found


@form("%predicate", args=(1, None))
def predicate_body(c, f, scope, out):
    raise LispError("Error: a defpred test list is only valid as a clause body", None, None, form_line(f))


@tail("%predicate")
def tail_predicate(c, f, scope, out):
    value = "None"
    for test in f[1:]:
        value = c.value_in_temp(c.expr(test, scope, out), out)
        out.emit(f"if not {value}: return _rt_FAILED")
    out.emit(f"return {value}")


@form("data@", args=(1, None), signature="(data@ (Group) [Name field...]...)",
      doc="Declare data constructors; a field is _ (any value) or a type such as integer_.")
def data(c, f, scope, out):
    items = list(f[1:])
    group = str(items.pop(0)) if items and is_symbol(items[0]) else None
    for spec in items:
        if not is_form(spec) or not spec or not is_symbol(spec[0]):
            raise LispError("Error: a data@ constructor is written [Name field...]", "data@", None,
                            form_line(f))
        name = str(spec[0])
        c.declare_data(name, group)
        fields = [field_type(x) for x in spec[1:]]
        out.emit(f"_rt_G[{mangle(name)!r}] = _rt_data_type({name!r}, {fields!r}, {group!r})")
    return "_rt_EMPTY"


def field_type(x):
    """A data@ field: None (any value), a type name, or the data type `(Point _ _)` names."""
    if is_form(x) and x and is_symbol(x[0]):
        return str(x[0])
    return None if x is None else str(x)


@form("flip", args=(1, 1), signature="(flip (f a b ...))",
      doc="Call f with its first two arguments swapped: (flip (- 10 3)) is (- 3 10).")
def flip(c, f, scope, out):
    call = f[1]
    if is_form(call) and not is_dict_literal(call) and len(call) >= 3:
        call = make_form([call[0], call[2], call[1]] + list(call[3:]), form_line(call, form_line(f)))
    return c.expr(call, scope, out)
