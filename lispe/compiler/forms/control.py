"""Control forms: if, ife, check, ncheck, cond, switch, select, and, or, xor, break, return,
maybe, catch, self, infix — with the tail-position variants of the conditionals (they emit `return`s, so
that self tail calls inside them become loops).

Truth is Python's truth everywhere (the reference's): nil, 0, 0.0, "", empty lists and
dictionaries are false.
"""

from ...errors import LispError
from ...registry import lookup
from ..syntax import form_line, is_dict_literal, is_form, is_symbol, make_form
from ..table import form, tail


def check_clause(clause, name):
    if not is_form(clause) or len(clause) < 2:
        raise LispError(f"Error: in a '{name}' each clause must be a list of a test and at least "
                        "one expression", name, None, form_line(clause))


def conditional(c, test, then_forms, else_forms, scope, out, negate=False):
    cond = c.test(test, scope, out)
    if negate:
        cond = f"not {cond}"
    then, other = out.child(), out.child()
    te = c.body(then_forms, scope, then)
    ee = c.body(else_forms, scope, other)
    if not then.lines and not other.lines:
        return f"({te} if {cond} else {ee})"
    result = c.temp()
    then.emit(f"{result} = {te}")
    other.emit(f"{result} = {ee}")
    out.block(f"if {cond}", then)
    out.block("else", other)
    return result


@form("if", args=(2, 3), signature="(if test then (else))", always=1,
      doc="then when test is true, else otherwise.")
def if_(c, f, scope, out):
    return conditional(c, f[1], [f[2]], list(f[3:]), scope, out)


@form("ife", args=(3, None), signature="(ife test then else...)", always=1,
      doc="if with a sequence as else part.")
def ife(c, f, scope, out):
    return conditional(c, f[1], [f[2]], list(f[3:]), scope, out)


@tail("if", "ife")
def tail_if(c, f, scope, out):
    tail_branches(c, c.test(f[1], scope, out), f[2], list(f[3:]), scope, out)


def tail_branches(c, condition, then_form, else_forms, scope, out):
    """`if condition: return then_form else: return else_forms` in tail position."""
    then = out.child()
    c.tail(then_form, scope, then)
    other = out.child()
    c.tail_body(else_forms, scope, other)
    out.block(f"if {condition}", then)
    out.block("else", other)


@form("check", args=(1, None), signature="(check test body...)", always=1,
      doc="Evaluate body when test is true.")
def check(c, f, scope, out):
    return conditional(c, f[1], list(f[2:]), [], scope, out)


@tail("check")
def tail_check(c, f, scope, out):
    cond = c.test(f[1], scope, out)
    then = out.child()
    c.tail_body(list(f[2:]), scope, then)
    out.block(f"if {cond}", then)
    out.emit("return None")


@form("ncheck", args=(2, None), signature="(ncheck test else then...)", always=1,
      doc="Evaluate else when test is false, otherwise the then part.")
def ncheck(c, f, scope, out):
    return conditional(c, f[1], [f[2]], list(f[3:]), scope, out, negate=True)


@tail("ncheck")
def tail_ncheck(c, f, scope, out):
    tail_branches(c, f"not {c.test(f[1], scope, out)}", f[2], list(f[3:]), scope, out)


@form("cond", args=(1, None), signature="(cond (test body...)...)",
      doc="The body of the first true test.")
def cond(c, f, scope, out):
    return clause_chain(c, f[1:], "cond", scope, out, lambda test, writer: c.test(test, scope, writer))


def clause_chain(c, clauses, name, scope, out, condition):
    """`if ... else if ...` over (test body...) clauses; a `true` test ends the chain.
    `condition(test, writer)` is the Python test of a clause."""
    result = c.temp()
    out.emit(f"{result} = None")
    writer = out
    for clause in clauses:
        check_clause(clause, name)
        if clause[0] is True:
            writer.emit(f"{result} = {c.body(list(clause[1:]), scope, writer)}")
            return result
        test = condition(clause[0], writer)
        then = writer.child()
        then.emit(f"{result} = {c.body(list(clause[1:]), scope, then)}")
        writer.block(f"if {test}", then)
        writer = writer.else_chain()
    return result


@tail("cond")
def tail_cond(c, f, scope, out):
    for clause in f[1:]:
        check_clause(clause, "cond")
        body = out.child()
        c.tail_body(list(clause[1:]), scope, body)
        if clause[0] is True:
            out.extend(body)
            return
        test = c.test(clause[0], scope, out)
        out.block(f"if {test}", body)
    out.emit("return None")


@form("block", args=(0, None), signature="(block body...)", always=None,
      doc="Evaluate in order; the last value.")
def block(c, f, scope, out):
    return c.body(list(f[1:]), scope, out)


@tail("block")
def tail_block(c, f, scope, out):
    c.tail_body(list(f[1:]), scope, out)


@form("switch", args=(2, None), signature="(switch value (v body...)... (true body...))", always=1,
      doc="The body whose value equals value (compared with =).")
def switch(c, f, scope, out):
    value = c.value_in_temp(c.expr(f[1], scope, out), out)
    equal = c.builtin_ref(lookup("="))
    return clause_chain(c, f[2:], "switch", scope, out,
                        lambda test, writer: f"{equal}({value}, {c.expr(test, scope, writer)})")


@form("select", args=(1, None), signature="(select value...)", always=1,
      doc="The first value that is not nil.")
def select(c, f, scope, out):
    result = c.temp()
    out.emit(f"{result} = None")
    return first_value(c, f, scope, out, result, "{} is None or {} is False")


def first_value(c, f, scope, out, result, go_on):
    """`result` = each argument in turn, while the test `go_on` (a format of the result's
    name) holds: select and andvalue."""
    writer = out
    for arg in f[1:]:
        writer.emit(f"{result} = {c.expr(arg, scope, writer)}")
        writer.emit(f"if {go_on.format(result, result)}:")
        writer = writer.nested()
    return result


@form("and", args=(2, None), signature="(and test...)", always=1,
      doc="true when every test is true (short-circuit).")
def and_(c, f, scope, out):
    return logical(c, f, scope, out, "and")


@form("or", args=(2, None), signature="(or test...)", always=1,
      doc="true when some test is true (short-circuit).")
def or_(c, f, scope, out):
    return logical(c, f, scope, out, "or")


def logical(c, f, scope, out, op):
    parts, buffers = [], []
    for arg in f[1:]:
        buf = out.child()
        parts.append(c.expr(arg, scope, buf))
        buffers.append(buf)
    if all(not b.lines for b in buffers):
        return f"(True if ({f' {op} '.join(parts)}) else False)"
    result = c.temp()
    out.emit(f"{result} = {'True' if op == 'and' else 'False'}")
    writer = out
    for part, buf in zip(parts, buffers):
        for indent, text, line in buf.lines:
            writer.lines.append((indent - out.indent + writer.indent, text, line))
        test = f"not {part}" if op == "and" else part
        writer.emit(f"if {test}:")
        writer.lines.append((writer.indent + 1, f"{result} = {'False' if op == 'and' else 'True'}",
                             writer.line))
        writer = writer.else_chain()
    return result


@form("andvalue", args=(2, None), signature="(andvalue expr...)", always=1,
      doc="The first false value among the expressions (evaluated in order), else the last one.")
def andvalue(c, f, scope, out):
    return first_value(c, f, scope, out, c.temp(), "{}")


@form("xor", args=(2, 2), signature="(xor a b)", always=None,
      doc="true when exactly one of a and b is true.")
def xor(c, f, scope, out):
    a, b = c.args(f[1:], scope, out)
    return f"(True if bool({a}) != bool({b}) else False)"


@form("break", args=(0, 0), signature="(break)",
      doc="Leave the innermost loop; outside a loop, leave the function (its value prints as nothing).")
def break_(c, f, scope, out):
    out.emit("break" if scope.loops else "return _rt_EMPTY")
    return "None"


@form("return", args=(0, 1), signature="(return (value))", always=None,
      doc="Leave the current function with value.")
def return_(c, f, scope, out):
    value = c.expr(f[1], scope, out) if len(f) > 1 else "None"
    if scope.kind == "module":
        raise LispError("Error: 'return' outside a function", "return", None, form_line(f))
    out.emit(f"return {value}")
    return "None"


@form("maybe", args=(1, None), signature="(maybe expr... fallback)",
      doc="With one argument: true if it is an error. Otherwise the fallback on error.")
def maybe(c, f, scope, out):
    if len(f) == 2:
        return f"(True if isinstance({c.expr(f[1], scope, out)}, _rt_LispError) else False)"
    return guarded(c, list(f[1:-1]), scope, out, lambda handler: c.body([f[-1]], scope, handler))


@form("catch", args=(1, None), signature="(catch expr...)",
      doc="The value of the expressions, or the error object if one fails.")
def catch(c, f, scope, out):
    return guarded(c, list(f[1:]), scope, out, lambda handler: "_rt_as_error(_rt_e)")


def guarded(c, forms, scope, out, on_error):
    """The value of `forms`, or, when one fails, of `on_error(handler writer)` (the error is
    `_rt_e` there)."""
    result = c.temp()
    body = out.child()
    body.emit(f"{result} = {c.body(forms, scope, body)}")
    handler = out.child()
    handler.emit(f"{result} = {on_error(handler)}")
    out.block("try", body)
    out.block("except Exception as _rt_e", handler)
    return result


@form("self", args=(0, None), signature="(self args...)",
      doc="Inside a function or lambda: call that function again with args.")
def self_(c, f, scope, out):
    if scope.kind == "module":
        raise LispError("Error: 'self' calls the function it is written in", "self", None, form_line(f))
    return c.self_call(f, scope, out)


INFIX_OPERATORS = frozenset(("+", "-", "*", "/", "%", "^^", "**", "&", "|", "^", "<<", ">>", "<", ">",
                             "<=", ">=", "=", "!=", "and", "or", "xor"))
INFIX_LOW = frozenset(("+", "-", "and", "or", "xor"))   # these go above the operators before them


@form("infix", "§", "•", "/\\", args=(1, None), signature="(infix a op b op c...)",
      doc="An arithmetic expression in infix notation: (infix 2 + 3 * 4) is 14.")
def infix(c, f, scope, out):
    return c.expr(infix_form(list(f[1:]), form_line(f)), scope, out)


def infix_form(items, line):
    """The prefix form of an infix sequence, with the original's precedence: * / ... bind to the
    operand before them, + - and or xor take what came before as their first operand."""
    operations, to_last, operand_seen = [], False, False
    for item in items:
        if is_symbol(item) and str(item) in INFIX_OPERATORS:
            if not operand_seen:
                raise LispError("Error: Infix expression is malformed", "infix", None, line)
            if len(operations) == 1:
                operations, to_last = [item, operations[0]], False
            elif item == operations[0]:
                to_last = False
            elif str(item) in INFIX_LOW:
                operations, to_last = [item, make_form(operations, line)], False
            else:
                last, to_last = operations[-1], True
                if not (is_form(last) and last and last[0] == item and len(last) != 2):
                    operations[-1] = [item, last]
            operand_seen = False
            continue
        if operand_seen:
            raise LispError("Error: Infix expression is malformed", "infix", None, line)
        operand_seen = True
        operand = infix_operand(item, line)
        if to_last:
            operations[-1].append(operand)
        else:
            operations.append(operand)
    if not operand_seen:
        raise LispError("Error: Infix expression is malformed", "infix", None, line)
    return to_form(operations, line) if len(operations) > 1 else operations[0]


def infix_operand(item, line):
    """A list inside an infix expression is infix too, unless it is a call."""
    if is_form(item) and item and not is_dict_literal(item) and not is_symbol(item[0]):
        return infix_form(list(item), line)
    if is_form(item) and len(item) > 1 and is_symbol(item[1]) and str(item[1]) in INFIX_OPERATORS:
        return infix_form(list(item), line)
    return item


def to_form(items, line):
    return make_form([to_form(x, line) if type(x) is list else x for x in items], line)
