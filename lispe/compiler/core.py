"""The Compiler: forms -> Python source -> code objects (the evaluator's core).

Each top-level form becomes the body of a Python function `_rt_main`, compiled with `compile()`
and called once, so LispE programs run as ordinary Python bytecode: `defun` becomes a `def`, a
function's parameters and `setq` targets become fast Python locals, globals live in the
interpreter's globals dict, builtins are bound once, two-argument arithmetic on numbers is
inlined.  Everything that can be decided before running is decided here: special forms (the
table in `table.py`, the forms themselves in `forms/`), builtins, variable slots (`scoping.py`),
self tail calls (which become loops).

A top-level form leaves nothing behind in the global frame but what the program defines: its
temporaries are locals of `_rt_main` and its constants are arguments of it (closure cells for the
functions it defines).  Compiling never depends on another interpreter: a library function that
this interpreter has not loaded is looked up when the call runs.
"""

import math
import warnings

from ..errors import LispError
from ..registry import lookup
from ..runtime import mangle
from ..values import Symbol
from .arities import ARITIES, is_instruction
from .scoping import Scope, assigned_names, bound_names, head_name, unset_reads
from .syntax import class_parts, form_line, is_dict_literal, is_form, is_symbol, make_form, source_text, substitute
from .table import FORMS, check_args
from .writer import Unit, Writer

INLINE_OPS = {"+": "+", "-": "-", "*": "*", "/": "/"}
COMPARE_OPS = {"<": "<", ">": ">", "<=": "<=", ">=": ">="}


class Compiler:
    """Translates forms into Python code for one interpreter (see interpreter.Lisp)."""

    def __init__(self, interp):
        self.interp = interp
        self.G = interp.globals
        self.classes = {}       # name -> field names, method names, parent (compile-time view)
        self.functions = set()  # names of user functions known from defun
        self.arities = {}       # defun name -> (min, max) arguments, for calls checked early
        self.parameter_text = {}
        self.macros = {}        # name -> (params, body)
        self.data_names = interp.data_names   # data@ constructors and groups
        self.constants = set()  # names bound with setconst
        self.unit = None        # the unit being compiled (its constants and temporaries)
        self.threadspace = 0    # threadspace blocks open around the form being compiled

    # names and constants ------------------------------------------------------------
    def temp(self, prefix="_t"):
        return self.unit.temp(prefix)

    def constant(self, value):
        """A Python expression denoting `value` (literals inline, others passed to the unit)."""
        if value is None or value is True or value is False:
            return repr(value)
        if type(value) in (int, str) or (type(value) is float and math.isfinite(value)):
            return repr(value)
        return self.unit.constant(value)

    def builtin_ref(self, entry):
        name = "_b_" + mangle(entry.name)
        if name not in self.G:
            self.G[name] = entry.func
        return name

    # pre-scan: names defined at top level, so that forms compiled earlier know them ---------
    def prescan(self, forms):
        for form in forms:
            self.check_arities(form)
            head = head_name(form, None)
            if head in ("defun", "defpat", "defpred", "defprol", "dethread") and len(form) > 1 \
                    and is_symbol(form[1]):
                self.check_assignable(str(form[1]), form)   # refused before anything runs
            if head in ("defpat", "defpred", "defprol", "dethread") and len(form) > 1 \
                    and is_symbol(form[1]):
                self.functions.add(str(form[1]))
            elif head == "data@":
                for spec in form[1:]:
                    if is_form(spec) and spec and is_symbol(spec[0]):
                        self.declare_data(str(spec[0]), None)
            if head == "defun" and len(form) > 2 and is_symbol(form[1]):
                self.functions.add(str(form[1]))
                self.arities[str(form[1])] = parameter_counts(form[2])
                self.parameter_text[str(form[1])] = source_text(form[2])
            elif head in ("class@", "defclass") and len(form) > 2 and is_symbol(form[1]):
                self.declare_class(form)

    def check_arities(self, form):
        """Calls of core instructions with an argument count the original refuses fail before
        anything runs (the original checks them when it reads the program)."""
        if not is_form(form) or not form or is_dict_literal(form):
            return
        head = head_name(form, None)
        if head in ("quote", "defmacro", "data@") or head in self.macros:
            if head in FORMS and head not in self.macros:
                check_args(FORMS[head], form)
            return
        if head in ("defun", "class@", "defclass", "defpat", "defpred", "defprol", "dethread"):
            items = form[3:]
        elif head in ("lambda", "λ", "\\", "loop", "mloop", "lloop"):
            items = form[2:]
        elif head == "let" and len(form) > 1 and is_form(form[1]):
            items = [b[1] for b in form[1] if is_form(b) and len(b) > 1] + list(form[2:])
        else:
            if head is not None:
                self.check_arity(head, form)
                self.check_constant(head, form)
            items = form[1:] if head is not None else form
        if head in FORMS and head not in self.macros:
            check_args(FORMS[head], form)
        for item in items:
            self.check_arities(item)

    def check_arity(self, name, form):
        if name in self.arities and name not in self.macros:
            self.check_call_arity(name, form)
            return
        entry = lookup(name)
        allowed = ARITIES.get(name)
        if allowed is None and entry is not None:   # an alias: the arity of its instruction
            allowed = next((ARITIES[n] for n in entry.names if n in ARITIES), None)
        if allowed is None or entry is None or entry.library != "core" or entry.special \
                or self.user_defined(name):
            return
        if not arity_accepts(allowed, len(form) - 1):
            raise LispError(f"Error: Wrong number of arguments for: '{name}'", name,
                            getattr(form, "file", None), form_line(form))

    def check_constant(self, head, form):
        """setconst names cannot be bound again (checked before the program runs)."""
        if len(form) < 2 or not is_symbol(form[1]):
            return
        if head == "setconst":
            self.constants.add(str(form[1]))
        elif str(form[1]) in self.constants and (head in ("setq", "setg", "setqv", "label") or
                                                head.endswith("=") and head in FORMS):
            raise LispError(f"Error: '{form[1]}' is a constant value", head,
                            getattr(form, "file", None), form_line(form))

    def check_call_arity(self, name, form):
        """A call of a function defined with defun, with an argument count it cannot take."""
        low, high = self.arities[name]
        n = len(form) - 1
        if n < low or (high is not None and n > high):
            params = self.parameter_text.get(name, "")
            expected = str(low) if low == high else f"at least {low}" if high is None else f"{low} to {high}"
            raise LispError(f"Error: Wrong number of arguments in call to: '({name} {params}...)' "
                            f"(expected {expected}, got {n})", name,
                            getattr(form, "file", None), form_line(form))

    def user_defined(self, name):
        """A name the program defines as a function, class or method (it hides a builtin)."""
        return name in self.functions or name in self.classes or name in self.macros \
            or any(name in methods for _, methods, _ in self.classes.values())

    def declare_data(self, name, group):
        """A data@ constructor: a function of the program, and a name patterns recognise."""
        self.functions.add(name)
        self.data_names.add(name)
        if group is not None:
            self.data_names.add(group)

    def declare_class(self, form):
        """Record a class's fields and methods (own fields first, then the parent's)."""
        field_forms, defuns, parent = class_parts(form)
        fields = [str(f[0] if is_form(f) else f) for f in field_forms]
        methods = [str(d[1]) for d in defuns if is_form(d) and len(d) > 1 and is_symbol(d[0], "defun")]
        parent = str(parent) if parent is not None else None
        if parent in self.classes:
            pfields, pmethods, _ = self.classes[parent]
            fields = fields + [f for f in pfields if f not in fields]
            methods = pmethods + methods
        self.classes[str(form[1])] = (fields, methods, parent)

    # entry point ------------------------------------------------------------------------
    def compile_toplevel(self, form, file=None):
        """(code, unit): `code` defines `_rt_main`, which the interpreter calls with
        `unit.constants` to evaluate `form` and get its value."""
        unit = Unit(file)
        self.unit = unit
        try:
            scope = Scope("module")
            out = Writer(unit, 1, form_line(form, 1))
            value = self.expr(form, scope, out)
            out.emit(f"return {value}")
            unit.finish(out)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)
                code = compile(unit.source(), unit.name, "exec")
        except (SyntaxError, RecursionError, MemoryError, ValueError) as e:
            raise LispError("Error: expression too deeply nested to compile", None, file,
                            form_line(form)) from e
        finally:
            self.unit = None
        return code, unit

    # expressions ------------------------------------------------------------------------
    def expr(self, form, scope, out):
        """Python expression for `form`; statements it needs are emitted into `out` first."""
        line = form_line(form)
        if line is not None:
            out.line = line
        if type(form) is Symbol:
            return self.variable(form, scope, out)
        if is_dict_literal(form):
            items = self.args(form, scope, out)
            return f"_rt_dict([{', '.join(items)}])"
        if is_form(form):
            if not form:
                return "[]"
            return self.call(form, scope, out)
        return self.constant(form)

    def variable(self, name, scope, out):
        if self.threadspace and not scope.is_local(name):
            self.threadspace -= 1   # the usual lookup, when no thread shares the name
            try:
                fallback = self.variable(name, scope, out)
            finally:
                self.threadspace += 1
            return f"_rt_shared_value({str(name)!r}, lambda: {fallback})"
        key = mangle(name)
        owner = scope.owner(name)
        if owner is not None:
            if str(name) in owner.unset:
                return f"({key} if {key} is not _rt_UNSET else {self.outer_read(name, owner)})"
            return key
        if scope.this and self.is_field(name, scope):
            return f"{scope.this}.fields[{str(name)!r}]"
        if scope.this:
            return f"_rt_field({scope.this}, {str(name)!r}, {key!r})"
        if name in self.functions or key in self.G:
            return key
        entry = lookup(name)
        if entry is not None and not entry.special and self.interp.visible(entry):
            return self.builtin_ref(entry)
        return f"_rt_global({key!r}, {str(name)!r})"

    def outer_read(self, name, owner):
        """What a read of `name` sees while the setq of `owner`'s local has not run yet."""
        key = mangle(name)
        this = owner.this
        if this:
            return f"_rt_field({this}, {str(name)!r}, {key!r})"
        return f"_rt_global({key!r}, {str(name)!r})"

    def field_hides(self, name, scope):
        """Inside a method, a field hides a library function of the same name (seed 000 calls
        `(tokenizer (encode prompt))` on its `tokenizer` field); never an instruction."""
        return bool(scope.this) and self.is_field(name, scope) and name not in ARITIES \
            and name not in FORMS

    def is_field(self, name, scope):
        cls = self.classes.get(scope.cls)
        return cls is not None and str(name) in cls[0]

    def args(self, forms, scope, out):
        """Python expressions for `forms`, evaluated left to right even when some need statements."""
        exprs = []
        for form in forms:
            buf = out.child()
            e = self.expr(form, scope, buf)
            if buf.lines:
                for k, previous in enumerate(exprs):
                    if not is_constant_expr(previous):
                        t = self.temp()
                        out.emit(f"{t} = {previous}")
                        exprs[k] = t
                out.extend(buf)
            exprs.append(e)
        return exprs

    def value_in_temp(self, e, out):
        if e.isidentifier() or is_constant_expr(e):
            return e
        t = self.temp()
        out.emit(f"{t} = {e}")
        return t

    # calls ------------------------------------------------------------------------------
    def call(self, form, scope, out):
        head = form[0]
        if type(head) is not Symbol:
            if not is_form(head):
                raise LispError(f"Error: not a function: {source_text(head)}", None, None, form_line(form))
            return self.plain_call(f"_rt_callable({self.expr(head, scope, out)})", form[1:], scope, out)
        name = str(head)
        if scope.is_local(name) or self.field_hides(name, scope):
            return self.dispatch_call(form, scope, out)
        spec = FORMS.get(name)
        if spec is not None:
            check_args(spec, form)
            return spec.compile(self, form, scope, out)
        if name in self.macros:
            return self.expr(self.expand_macro(form), scope, out)
        if name == "self" and scope.kind != "module":
            return self.self_call(form, scope, out)
        if name in self.classes:
            return self.new_instance(form, scope, out)
        if scope.this and name in self.classes.get(scope.cls, ((), (), None))[1] \
                and name not in self.functions:
            args = self.args(form[1:], scope, out)
            return f"{scope.this}.send({', '.join([repr(name)] + args)})"
        entry = lookup(name)
        if entry is not None and entry.library == "core" and not entry.special:
            return self.builtin_call(entry, form, scope, out)
        if name in self.functions or mangle(name) in self.G:
            return self.dispatch_call(form, scope, out)
        if entry is not None and not entry.special and self.interp.visible(entry):
            return self.builtin_call(entry, form, scope, out)
        return self.dispatch_call(form, scope, out)

    def plain_call(self, fexpr, arg_forms, scope, out):
        fexpr = self.value_in_temp(fexpr, out) if arg_forms else fexpr
        args = self.args(arg_forms, scope, out)
        return f"{fexpr}({', '.join(args)})"

    def dispatch_call(self, form, scope, out):
        """`(x ...)` where x is a variable: a function call, or method calls on an instance:
        `(obj (m1 ...) (m2 ...))` and `(obj Class (m1 ...) ...)` run the methods in turn and
        give the last value."""
        head, rest = form[0], list(form[1:])
        if str(head) in self.functions and not scope.is_local(head):
            return self.plain_call(mangle(head), rest, scope, out)
        typed = len(rest) >= 2 and is_symbol(rest[0]) and str(rest[0]) in self.classes \
            and all(is_method_form(m) for m in rest[1:])
        if not typed and not (rest and all(is_method_form(m) for m in rest)):
            return self.plain_call(self.variable(head, scope, out), rest, scope, out)
        target = self.value_in_temp(self.variable(head, scope, out), out)
        result = self.temp()
        if typed:
            cls = self.variable(rest[0], scope, out)
            for m in rest[1:]:
                args = self.args(m[1:], scope, out)
                out.emit(f"{result} = _rt_send_as({', '.join([target, cls, repr(str(m[0]))] + args)})")
            return result
        method = out.child()
        for m in rest:
            margs = self.args(m[1:], scope, method)
            method.emit(f"{result} = {target}.send({', '.join([repr(str(m[0]))] + margs)})")
        function = out.child()
        try:
            fargs = self.args(rest, scope, function)
            function.emit(f"{result} = {target}({', '.join(fargs)})")
        except LispError as e:  # (obj (m)) where (m) cannot be a call: only the method reading holds
            function.lines.clear()
            function.emit(f"raise _rt_LispError({self.constant(e.message)})")
        out.block(f"if isinstance({target}, _rt_Instance) and {target}.has_method({str(rest[0][0])!r})",
                  method)
        out.block("else", function)
        return result

    def builtin_call(self, entry, form, scope, out):
        self.check_arity(str(form[0]), form)
        nargs = len(form) - 1
        args = self.args(form[1:], scope, out)
        name = str(form[0])
        if nargs == 2 and name in INLINE_OPS:
            return self.inline_arith(entry, INLINE_OPS[name], args, scope, out)
        if nargs == 2 and name in COMPARE_OPS:
            return self.inline_arith(entry, COMPARE_OPS[name], args, scope, out)
        return f"{self.builtin_ref(entry)}({', '.join(args)})"

    def inline_arith(self, entry, op, args, scope, out):
        """`a op b` in Python when the operand types make it give LispE's answer (checked at
        run time unless the operands are literals), else the builtin.  LispE converts the
        second operand to the first one's type: int op int, float op float and float op int
        are native; int op float is not (`(+ 1 2.5)` is 3)."""
        a, b = (self.value_in_temp(e, out) for e in args)
        fast = f"{a} {op} {b}"
        slow = f"{self.builtin_ref(entry)}({a}, {b})"
        condition = native_condition(a, b, scope.type_of)
        if condition is False:
            return slow
        if op == "/" and literal_kind(b) is None:
            condition = f"{condition} and {b}" if condition else b
        elif op == "/" and b.strip("-0.") == "":
            return slow                                    # division by a literal zero
        return f"({fast} if {condition} else {slow})" if condition else f"({fast})"

    def self_call(self, form, scope, out):
        fn = scope
        while fn.kind == "lambda" and fn.self_ref is None and fn.parent is not None:
            fn = fn.parent
        target = fn.self_ref or mangle(fn.name)
        return self.plain_call(target, form[1:], scope, out)

    # macros -----------------------------------------------------------------------------
    def expand_macro(self, form):
        """The body of the macro with the call's arguments substituted; `$ name` in the
        parameters takes the remaining arguments, and `$ name` in the body splices them."""
        params, body = self.macros[str(form[0])]
        bindings, rest = {}, set()
        args = list(form[1:])
        i = 0
        while i < len(params):
            p = params[i]
            if is_symbol(p, "$") and i + 1 < len(params):
                bindings[str(params[i + 1])] = args[i:]
                rest.add(str(params[i + 1]))
                break
            bindings[str(p)] = args[i] if i < len(args) else None
            i += 1
        return substitute(body, bindings, rest)

    def macro_expansion(self, form):
        """The expansion of `form` when it calls a macro, else None (for the scoping analysis)."""
        if is_form(form) and form and is_symbol(form[0]) and str(form[0]) in self.macros:
            return self.expand_macro(form)
        return None

    # instances --------------------------------------------------------------------------
    def new_instance(self, form, scope, out):
        name = str(form[0])
        fields, methods, _ = self.classes[name]
        inst = self.temp()
        out.emit(f"{inst} = {self.variable(form[0], scope, out)}.new()")
        for i, arg in enumerate(form[1:]):
            field = fields[i] if i < len(fields) else None
            if is_form(arg) and arg and is_symbol(arg[0]) and str(arg[0]) in methods \
                    and not scope.is_local(arg[0]):
                margs = self.args(arg[1:], scope, out)
                value = f"_rt_nil_if_empty({inst}.send({', '.join([repr(str(arg[0]))] + margs)}))"
            else:
                value = self.expr(arg, scope, out)
            if field is not None:
                out.emit(f"{inst}.fields[{field!r}] = {value}")
        out.emit(f"{inst}.cls.finish({inst}, {len(form) - 1})")
        return inst

    # bodies -----------------------------------------------------------------------------
    def body(self, forms, scope, out):
        """Expression for the last of `forms`; the others are emitted as statements."""
        if not forms:
            return "None"
        for form in forms[:-1]:
            self.statement(form, scope, out)
        return self.expr(forms[-1], scope, out)

    def statement(self, form, scope, out):
        """Emit `form` for its effects only (a loop then skips keeping its last value)."""
        spec = FORMS.get(head_name(form, scope))
        if spec is not None and spec.loop:
            check_args(spec, form)
            spec.compile(self, form, scope, out, discard=True)
            return
        e = self.expr(form, scope, out)
        if not (e.isidentifier() or is_constant_expr(e)):
            out.emit(e)

    def body_then(self, forms, scope, out, cleanup):
        """The value of `forms`, with the Python statements `cleanup` run after them, also when
        they fail (`try`/`finally`)."""
        result = self.temp()
        body = out.child()
        body.emit(f"{result} = {self.body(forms, scope, body)}")
        after = out.child()
        for line in cleanup:
            after.emit(line)
        out.block("try", body)
        out.block("finally", after)
        return result

    def tail_body(self, forms, scope, out):
        """Emit `forms` in tail position of a function: the last value is returned."""
        if not forms:
            out.emit("return None")
            return
        for form in forms[:-1]:
            self.statement(form, scope, out)
        self.tail(forms[-1], scope, out)

    def tail(self, form, scope, out):
        """Emit `form` in tail position: `return` it, turning self calls into loops."""
        head = head_name(form, scope)
        spec = FORMS.get(head)
        if spec is not None and spec.tail is not None:
            check_args(spec, form)
            spec.tail(self, form, scope, out)
            return
        self_call = (scope.kind == "function" and head in (scope.name, "self")) \
            or (scope.kind == "lambda" and head == "self")
        if head is not None and self_call and scope.simple_params \
                and len(form) - 1 == len(scope.params) and head not in self.macros:
            args = self.args(form[1:], scope, out)
            if args:
                targets = ", ".join(mangle(p) for p in scope.params)
                out.emit(f"{targets}, = {', '.join(args)},")
            out.emit("continue")
            scope.tail_loop = True
            return
        out.emit(f"return {self.expr(form, scope, out)}")

    def test(self, form, scope, out):
        """A Python expression used only for its truth (comparisons are inlined by builtin_call)."""
        return self.expr(form, scope, out)

    # functions --------------------------------------------------------------------------
    def parameters(self, params, form):
        """(python parameter list, prologue lines, LispE names, simple?) for a parameter list."""
        if not is_form(params):
            raise LispError("Error: the parameter list must be a list", None, None, form_line(form))
        names, python, prologue, simple = [], [], [], True
        for p in params:
            if is_form(p) and p and p[0] is None or (is_form(p) and len(p) == 2 and p[0] == []):
                rest = str(p[1])
                names.append(rest)
                python.append("*" + mangle(rest))
                prologue.append((mangle(rest), None, "rest"))
                simple = False
                break
            if is_form(p):
                if not p or not is_symbol(p[0]):
                    raise LispError("Error: invalid parameter", None, None, form_line(form))
                names.append(str(p[0]))
                python.append(f"{mangle(p[0])}=_rt_MISSING")
                prologue.append((mangle(p[0]), p[1] if len(p) > 1 else None, "optional"))
                simple = False
            elif is_symbol(p):
                names.append(str(p))
                python.append(mangle(p))
            else:
                raise LispError(f"Error: invalid parameter: {source_text(p)}", None, None, form_line(form))
        return python, prologue, names, simple

    def function(self, name, params, body, scope_kind, parent, out, form, cls=None, pyname=None):
        """Emit `def pyname(...)` for a defun / lambda / method; returns the Python name."""
        python, prologue, names, simple = self.parameters(params, form)
        if scope_kind == "method":
            python = ["this"] + python
        scope = Scope(scope_kind, parent, names, name=name, cls=cls)
        scope.simple_params = simple
        inner = set()
        bound_names(body, inner)
        if scope_kind == "lambda":
            for n in inner - set(names):
                scope.declared_outer[n] = "nonlocal" if parent.is_local(n) else "global"
        else:
            scope.locals |= inner
            scope.unset = unset_reads(body, inner - set(names), self.macro_expansion)
        pyname = pyname or self.temp("_f")
        scope.self_ref = pyname
        shown = "lambda" if scope_kind == "lambda" else (name or "method")
        self.unit.signatures[pyname] = f"({shown} {source_text(params)}"
        body_out = Writer(out.unit, out.indent, out.line)
        for n, kind in sorted(scope.declared_outer.items()):
            body_out.emit(f"{kind} {mangle(n)}")
        for n in sorted(scope.locals - set(names)):
            if n in scope.unset:
                body_out.emit(f"{mangle(n)} = _rt_UNSET")
            else:
                body_out.emit(f"if False: {mangle(n)} = None")  # makes it a Python local
        for pyparam, default, kind in prologue:
            if kind == "rest":
                body_out.emit(f"{pyparam} = list({pyparam})")
            else:
                dflt = Writer(out.unit, out.indent, out.line)
                value = self.expr(default, scope, dflt) if default is not None else "None"
                dflt.emit(f"{pyparam} = {value}")
                body_out.block(f"if {pyparam} is _rt_MISSING", dflt)
        scope.stable = set(names) - assigned_names(body) if simple else set()
        code = Writer(out.unit, out.indent, out.line)
        self.tail_body(list(body), scope, code)
        main = Writer(out.unit, out.indent, out.line)    # inside the tail loop, if there is one
        for n in sorted(scope.type_cache):
            main.emit(f"{scope.type_cache[n]} = type({mangle(n)})")
        main.extend(code)
        if scope.tail_loop:
            body_out.block("while True", main)
        else:
            body_out.extend(main)
        out.block(f"def {pyname}({', '.join(python)})", body_out)
        out.emit(f"{pyname}.lispe_unit = {self.unit_ref()}")   # keeps its line map alive
        return pyname

    def unit_ref(self):
        unit = self.unit
        if unit.ref is None:
            unit.ref = self.constant(unit)
        return unit.ref

    def check_assignable(self, name, form, variable=False):
        """defun cannot redefine a core function; no form can bind a special form or nil/true.
        A variable may take the name of a builtin function (seeds write `(setq size ...)`,
        DECISIONS.md 1): calls `(size x)` still reach the builtin."""
        entry = lookup(name)
        core = entry is not None and entry.library == "core"
        if not (name in ("nil", "true") or (core and (entry.special or not variable))):
            return
        if variable:
            message = f"Error: Invalid variable name: '{name}' (keyword)"
        elif name in ("nil", "true") or entry.special or is_instruction(name):
            message = f"Error: '{name}' is a reserved keyword."
        elif any(is_instruction(n) for n in entry.names):       # another name of an instruction
            message = f"Error: '{entry.name}' is a reserved keyword."
        else:
            message = f"Error: Function '{name}' already declared"   # a library function
        raise LispError(message, name, None, form_line(form))

    # assignment -------------------------------------------------------------------------
    def assign(self, name, value, scope, out, where="local"):
        key = mangle(name)
        if where == "global" and scope.kind != "module":
            out.emit(f"_rt_G[{key!r}] = {value}")
        elif where == "field" and scope.this:
            out.emit(f"{scope.this}.fields[{str(name)!r}] = {value}")
        else:
            if scope.kind == "module":
                self.unit.globals_assigned.add(key)
            out.emit(f"{key} = {value}")

    def loop_var(self, name, scope):
        """The Python name of a loop variable (a local of the function, a global at top level)."""
        if scope.kind != "module" and not scope.is_local(name):
            scope.locals.add(str(name))
        if scope.kind == "module":
            self.unit.globals_assigned.add(mangle(name))
        return mangle(name)

    def block_form(self, forms, line):
        return make_form([Symbol("block")] + list(forms), line)


def parameter_counts(params):
    """(min, max) arguments a parameter list takes (max None: any number)."""
    if not is_form(params):
        return 0, None
    low = high = 0
    for p in params:
        if is_form(p) and (not p or p[0] is None or p[0] == []):
            return low, None
        high += 1
        if not is_form(p):
            low = high
    return low, high


def is_method_form(x):
    """`(name args...)`: what a method call on an instance looks like."""
    return is_form(x) and bool(x) and is_symbol(x[0]) and not is_dict_literal(x)


def literal_kind(e):
    """int or float for a Python literal of that type, else None."""
    text = e[1:] if e[:1] == "-" else e
    if text.isdigit():
        return int
    if text[:1].isdigit() and all(ch.isdigit() or ch in ".e-+" for ch in text):
        return float
    return None


def native_condition(a, b, type_of):
    """The run-time test under which `a op b` in Python is LispE's answer: "" when it always
    is, False when it never is (see Compiler.inline_arith).  `type_of(e)` is the Python
    expression for the type of e."""
    ka, kb = literal_kind(a), literal_kind(b)
    if ka is not None and kb is not None:
        return False if (ka is int and kb is float) else ""
    if ka is int:
        return f"{type_of(b)} is int"
    if ka is float:
        return f"{type_of(b)} in _rt_NUM"
    ta, tb = type_of(a), type_of(b)
    if kb is int:
        return f"({ta} is int or {ta} is float)"
    if kb is float:
        return f"{ta} is float"
    return f"({ta} is {tb} is int or {ta} is float and {tb} in _rt_NUM)"


def is_constant_expr(e):
    return e in ("None", "True", "False") or e[:1].isdigit() or e[:1] in "'\"-" or e.startswith("_k")


def arity_accepts(allowed, n):
    """Does the arity text of arities.py ("2", "1-3", "0,2+") accept n arguments?"""
    for part in allowed.split(","):
        if part.endswith("+"):
            if n >= int(part[:-1]):
                return True
        elif "-" in part:
            low, high = part.split("-")
            if int(low) <= n <= int(high):
                return True
        elif n == int(part):
            return True
    return False
