"""The LispE compiler: forms -> Python source -> code objects (the evaluator).

Each top-level form is translated into Python statements and compiled with `compile()`, so
LispE programs run as ordinary Python bytecode: `defun` becomes a `def`, a function's
parameters and `setq` targets become fast Python locals, globals live in the interpreter's
globals dict, builtins are bound once as constants, and two-argument arithmetic on numbers is
inlined.  Everything that can be decided before running is decided here: special forms,
builtins, variable slots, self tail calls (which become loops).

Scoping follows spec §6: `setq` writes the current frame, `setg` the global one, `setqi` a
field of the current instance.  Lambdas are compiled as Python closures: they run with the
variables of the function they are written in (spec §7.2 says they see their caller's frame;
the two agree whenever the lambda is called where it is written, the case of every seed).

Every generated line remembers the LispE line it came from; `Unit.lispe_line` maps a Python
line of a traceback back to the LispE source for error messages.

Special forms are registered in the registry (`special=True`) so that `--list`, `--doc` and
the REPL's completion see them, but they are compiled here, never called.
"""

import itertools
import math
import warnings

from .errors import LispError
from .reader import Form
from .registry import builtin, lookup
from .runtime import mangle, LISPE_FILE_PREFIX
from .values import Symbol, Pair

S = Symbol
NUMERIC = "_rt_NUM"
INLINE_OPS = {"+": "+", "-": "-", "*": "*", "/": "/"}
COMPARE_OPS = {"<": "<", ">": ">", "<=": "<=", ">=": ">="}
AUGMENTED = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%", "^^=": "^^", "**=": "**",
             "<<=": "<<", ">>=": ">>", "&=": "&", "|=": "|", "^=": "^"}

SPECIAL_FORMS = {}   # name -> Compiler method name


def special(*names, signature, doc):
    """Register a special form: compiled by `Compiler.<method>`, documented in the registry."""

    def decorate(method):
        for name in names:
            SPECIAL_FORMS[name] = method.__name__
        builtin(names[0], signature=signature, doc=doc, aliases=names[1:], special=True,
                arity=(0, None))(method)
        return method

    return decorate


class Unit:
    """The Python source generated for one top-level form, with its LispE line map."""

    counter = itertools.count()

    def __init__(self, file):
        self.file = file
        self.lines = []          # (indent, text, lispe_line)
        self.name = f"{LISPE_FILE_PREFIX}{next(self.counter)}:{file or '<string>'}"

    def source(self):
        return "\n".join("    " * i + t for i, t, _ in self.lines) + "\n"

    def lispe_line(self, python_line):
        if 1 <= python_line <= len(self.lines):
            return self.lines[python_line - 1][2]
        return None


class Scope:
    """Where a form is compiled: the module, a `defun`, a lambda, or a method."""

    def __init__(self, kind, parent=None, params=(), name=None, cls=None):
        self.kind = kind                  # "module", "function", "lambda", "method"
        self.parent = parent
        self.locals = set(params)         # LispE names that are Python locals here
        self.params = list(params)
        self.declared_outer = {}          # name -> "nonlocal" / "global" (lambdas)
        self.name = name                  # defun name, for self tail calls
        self.cls = cls if cls is not None else (parent.cls if parent else None)
        self.this = "this" if kind == "method" else (parent.this if parent and kind == "lambda" else None)
        self.loops = 0                    # Python loops open around the current point
        self.simple_params = False        # only required positional parameters
        self.self_ref = None              # Python name that `self` calls
        self.tail_loop = False            # a self tail call was turned into `continue`

    def is_local(self, name):
        scope = self
        while scope is not None and scope.kind != "module":
            if name in scope.locals:
                return True
            scope = scope.parent
        return False


class Writer:
    """Accumulates indented Python lines, each tagged with a LispE line."""

    def __init__(self, unit, indent=0, line=None):
        self.unit = unit
        self.indent = indent
        self.line = line
        self.lines = []

    def emit(self, text, line=None):
        self.lines.append((self.indent, text, line if line is not None else self.line))

    def child(self):
        return Writer(self.unit, self.indent, self.line)

    def extend(self, other):
        self.lines.extend(other.lines)

    def block(self, header, body):
        """Emit `header:` and the lines of `body`, indented one more level."""
        self.emit(header + ":")
        if not body.lines:
            self.emit("    pass")
        for indent, text, line in body.lines:
            self.lines.append((indent + 1, text, line))


def is_symbol(x, name=None):
    return type(x) is Symbol and (name is None or x == name)


def is_form(x):
    return isinstance(x, list)


def form_line(form, default=None):
    return getattr(form, "line", None) or default


class Compiler:
    """Translates forms into Python code for one interpreter (see interpreter.Lisp)."""

    def __init__(self, interp):
        self.interp = interp
        self.G = interp.globals
        self.temp_counter = itertools.count()
        self.classes = {}       # name -> field names, method names, parent (compile-time view)
        self.functions = set()  # names of user functions known from defun
        self.macros = {}        # name -> (params, body)
        self.signatures = {}    # Python function name -> "(name params" for arity errors
        self.discard = False    # the loop being compiled is a statement: skip its value

    # names and constants ------------------------------------------------------------
    def temp(self, prefix="_t"):
        return f"{prefix}{next(self.temp_counter)}"

    def constant(self, value):
        """A Python expression denoting `value` (literals inline, others stored in globals)."""
        if value is None or value is True or value is False:
            return repr(value)
        if type(value) in (int, str) or (type(value) is float and math.isfinite(value)):
            return repr(value)
        name = self.temp("_k")
        self.G[name] = value
        return name

    def builtin_ref(self, entry):
        name = "_b_" + mangle(entry.name)
        if name not in self.G:
            self.G[name] = entry.func
        return name

    # pre-scan: names defined at top level, so that forms compiled earlier know them ---------
    def prescan(self, forms):
        for form in forms:
            self.check_arities(form)
            if not is_form(form) or not form or not is_symbol(form[0]):
                continue
            head = form[0]
            if head == "defun" and len(form) > 1 and is_symbol(form[1]):
                self.functions.add(str(form[1]))
            elif head in ("class@", "defclass") and len(form) > 2 and is_symbol(form[1]):
                self.declare_class(form)

    def check_arities(self, form):
        """Spec §2.10: core builtin calls with a wrong argument count fail before anything runs."""
        if not is_form(form) or not form or (isinstance(form, Form) and form.kind == "dict"):
            return
        head = form[0]
        if type(head) is not Symbol:
            items = form
        elif head in ("quote", "defmacro"):
            return
        elif head in ("defun", "class@", "defclass"):
            items = form[3:]
        elif head in ("lambda", "λ", "\\", "loop", "mloop", "lloop"):
            items = form[2:]
        elif head == "let" and len(form) > 1 and is_form(form[1]):
            items = [b[1] for b in form[1] if is_form(b) and len(b) > 1] + list(form[2:])
        else:
            entry = lookup(head)
            if entry is None:  # a user function, variable or class: (obj (method ...)) is no builtin call
                for item in form[1:]:
                    for sub in (item[1:] if is_form(item) and item and is_symbol(item[0]) else [item]):
                        self.check_arities(sub)
                return
            if not entry.special and entry.library == "core":
                self.check_arity(entry, form)
            items = form[1:]
        for item in items:
            self.check_arities(item)


    @staticmethod
    def check_arity(entry, form):
        nargs = len(form) - 1
        if nargs < entry.min_args or (entry.max_args is not None and nargs > entry.max_args):
            raise LispError(f"Error: Wrong number of arguments for: '{entry.name}' "
                            f"(expected {arity_text(entry)}, got {nargs}) {entry.signature}",
                            entry.name, getattr(form, "file", None), form_line(form))

    def declare_class(self, form):
        name = str(form[1])
        fields = [str(f[0] if is_form(f) else f) for f in (form[2] if is_form(form[2]) else [])]
        methods, parent = [], None
        for element in form[3:]:
            if is_form(element) and element and is_symbol(element[0], "defun") and len(element) > 1:
                methods.append(str(element[1]))
            elif is_form(element) and element and is_symbol(element[0], "from@") and len(element) > 1:
                parent = str(element[1])
        if parent in self.classes:
            pfields, pmethods, _ = self.classes[parent]
            fields = pfields + [f for f in fields if f not in pfields]
            methods = pmethods + methods
        self.classes[name] = (fields, methods, parent)

    # entry point ------------------------------------------------------------------------
    def compile_toplevel(self, form, file=None):
        """A (code object, Unit) that evaluates `form` and stores its value in `_rt_value`."""
        unit = Unit(file)
        scope = Scope("module")
        out = Writer(unit, 0, form_line(form, 1))
        try:
            value = self.expr(form, scope, out)
            out.emit(f"_rt_value = {value}")
            unit.lines = out.lines
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)
                code = compile(unit.source(), unit.name, "exec")
        except (SyntaxError, RecursionError, MemoryError, ValueError) as e:
            raise LispError("Error: expression too deeply nested to compile", None, file,
                            form_line(form)) from e
        return code, unit

    # expressions ------------------------------------------------------------------------
    def expr(self, form, scope, out):
        """Python expression for `form`; statements it needs are emitted into `out` first."""
        line = form_line(form)
        if line is not None:
            out.line = line
        if type(form) is Symbol:
            return self.variable(form, scope, out)
        if isinstance(form, Form) and form.kind == "dict":
            items = self.args(form, scope, out)
            return f"_rt_dict([{', '.join(items)}])"
        if is_form(form):
            if not form:
                return "[]"
            return self.call(form, scope, out)
        return self.constant(form)

    def variable(self, name, scope, out):
        key = mangle(name)
        if scope.is_local(name):
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
                    if not self.is_constant_expr(previous):
                        t = self.temp()
                        out.emit(f"{t} = {previous}")
                        exprs[k] = t
                out.extend(buf)
            exprs.append(e)
        return exprs

    @staticmethod
    def is_constant_expr(e):
        return e in ("None", "True", "False") or e[:1].isdigit() or e[:1] in "'\"-" or e.startswith("_k")

    def value_in_temp(self, e, out):
        if e.isidentifier() or self.is_constant_expr(e):
            return e
        t = self.temp()
        out.emit(f"{t} = {e}")
        return t

    # calls ------------------------------------------------------------------------------
    def call(self, form, scope, out):
        head = form[0]
        if type(head) is Symbol:
            name = str(head)
            if scope.is_local(name):
                return self.dispatch_call(form, scope, out)
            if name in SPECIAL_FORMS:
                return getattr(self, SPECIAL_FORMS[name])(form, scope, out)
            if name in self.macros:
                return self.expr(self.expand_macro(name, form), scope, out)
            if name == "self" and scope.kind != "module":
                return self.self_call(form, scope, out)
            if name in self.classes and not scope.is_local(name):
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
            if entry is not None and not entry.special:
                raise LispError(f"Error: '{name}' belongs to library {entry.library}: "
                                f"add (use '{entry.library}) before using it", name, None, form_line(form))
            return self.dispatch_call(form, scope, out)
        if not is_form(head):
            raise LispError(f"Error: not a function: {source_text(head)}", None, None, form_line(form))
        return self.plain_call(self.expr(head, scope, out), form[1:], scope, out)

    def plain_call(self, fexpr, arg_forms, scope, out):
        fexpr = self.value_in_temp(fexpr, out) if arg_forms else fexpr
        args = self.args(arg_forms, scope, out)
        return f"{fexpr}({', '.join(args)})"

    def dispatch_call(self, form, scope, out):
        """`(x ...)` where x is a variable: a function call, or a method call on an instance."""
        head = form[0]
        rest = form[1:]
        method_form = len(rest) == 1 and is_form(rest[0]) and rest[0] and is_symbol(rest[0][0]) \
            and not (isinstance(rest[0], Form) and rest[0].kind == "dict")
        typed_form = len(rest) == 2 and is_symbol(rest[0]) and str(rest[0]) in self.classes \
            and is_form(rest[1]) and rest[1] and is_symbol(rest[1][0])
        if str(head) in self.functions and not scope.is_local(head):
            return self.plain_call(mangle(head), rest, scope, out)
        if not (method_form or typed_form):
            return self.plain_call(self.variable(head, scope, out), rest, scope, out)
        target = self.value_in_temp(self.variable(head, scope, out), out)
        result = self.temp()
        if typed_form:
            cls = self.variable(rest[0], scope, out)
            m = rest[1]
            args = self.args(m[1:], scope, out)
            out.emit(f"{result} = _rt_send_as({', '.join([target, cls, repr(str(m[0]))] + args)})")
            return result
        m = rest[0]
        method = out.child()
        margs = self.args(m[1:], scope, method)
        method.emit(f"{result} = {target}.send({', '.join([repr(str(m[0]))] + margs)})")
        function = out.child()
        try:
            farg = self.expr(m, scope, function)
            function.emit(f"{result} = {target}({farg})")
        except LispError as e:  # (obj (m)) where (m) cannot be a call: only the method reading holds
            function.lines.clear()
            function.emit(f"raise _rt_LispError({self.constant(e.message)})")
        out.block(f"if type({target}) is _rt_Instance and {target}.has_method({str(m[0])!r})", method)
        out.block("else", function)
        return result

    def builtin_call(self, entry, form, scope, out):
        self.check_arity(entry, form)
        nargs = len(form) - 1
        args = self.args(form[1:], scope, out)
        name = str(form[0])
        if nargs == 2 and name in INLINE_OPS:
            return self.inline_arith(entry, INLINE_OPS[name], args, out)
        if nargs == 2 and name in COMPARE_OPS:
            return self.inline_arith(entry, COMPARE_OPS[name], args, out)
        return f"{self.builtin_ref(entry)}({', '.join(args)})"

    def inline_arith(self, entry, op, args, out):
        """`a op b` when both are int/float (checked at run time), else the generic builtin."""
        a, b = args
        refs = []
        for e in (a, b):
            if e.isidentifier() or self.is_constant_expr(e):
                refs.append((e, e))
            else:
                t = self.temp()
                refs.append((f"({t} := {e})", t))
        assigned = [first for first, name in refs if first != name]
        checks = [f"({', '.join(assigned)},)"] if assigned else []   # both operands, evaluated once
        checks += [f"type({name}) in {NUMERIC}" for (_, name), e in zip(refs, args)
                   if not (e[:1].isdigit() or (e[:1] == "-" and e[1:2].isdigit()))]
        if op == "/" and not (b[:1].isdigit() and b.strip("0.") != ""):
            checks.append(f"{refs[1][1]}")
        fast = f"{refs[0][1]} {op} {refs[1][1]}"
        slow = f"{self.builtin_ref(entry)}({refs[0][1]}, {refs[1][1]})"
        if not checks:
            return f"({fast})"
        return f"({fast} if {' and '.join(checks)} else {slow})"

    def self_call(self, form, scope, out):
        fn = scope
        while fn.kind == "lambda" and fn.self_ref is None and fn.parent is not None:
            fn = fn.parent
        target = fn.self_ref or mangle(fn.name)
        return self.plain_call(target, form[1:], scope, out)

    # macros -----------------------------------------------------------------------------
    def expand_macro(self, name, form):
        params, body = self.macros[name]
        bindings = {}
        args = list(form[1:])
        for i, p in enumerate(params):
            if is_form(p) and len(p) == 2 and p[0] is None:
                bindings[str(p[1])] = list(args[i:])
                break
            bindings[str(p)] = args[i] if i < len(args) else None
        return substitute(body, bindings)

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
        """Emit `form` for its effects only (loops then skip tracking their last value)."""
        if is_form(form) and form and type(form[0]) is Symbol and not scope.is_local(form[0]) \
                and SPECIAL_FORMS.get(str(form[0])) in ("loop", "loopcount", "while_", "mloop"):
            self.discard = True
        e = self.expr(form, scope, out)
        if not (e.isidentifier() or self.is_constant_expr(e)):
            out.emit(e)

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
        if is_form(form) and form and is_symbol(form[0]) and not scope.is_local(form[0]):
            head = str(form[0])
            if head in ("if", "ife", "check", "ncheck", "block", "cond") and head in SPECIAL_FORMS:
                getattr(self, "tail_" + {"ife": "if"}.get(head, head))(form, scope, out)
                return
            if scope.kind == "function" and (head == scope.name or head == "self") \
                    and scope.simple_params and len(form) - 1 == len(scope.params):
                args = self.args(form[1:], scope, out)
                if args:
                    targets = ", ".join(mangle(p) for p in scope.params)
                    out.emit(f"{targets}, = {', '.join(args)},")
                out.emit("continue")
                scope.tail_loop = True
                return
        out.emit(f"return {self.expr(form, scope, out)}")

    def tail_if(self, form, scope, out):
        if len(form) < 3:
            raise LispError("Error: Wrong number of arguments for: 'if'", "if", None, form_line(form))
        cond = self.test(form[1], scope, out)
        then = out.child()
        self.tail(form[2], scope, then)
        other = out.child()
        self.tail_body(list(form[3:]), scope, other)
        out.block(f"if {cond}", then)
        out.block("else", other)

    def tail_check(self, form, scope, out):
        cond = self.test(form[1], scope, out)
        then = out.child()
        self.tail_body(list(form[2:]), scope, then)
        out.block(f"if {cond}", then)
        out.emit("return None")

    def tail_ncheck(self, form, scope, out):
        cond = self.test(form[1], scope, out)
        other = out.child()
        self.tail(form[2], scope, other)
        then = out.child()
        self.tail_body(list(form[3:]), scope, then)
        out.block(f"if not {cond}", other)
        out.block("else", then)

    def tail_block(self, form, scope, out):
        self.tail_body(list(form[1:]), scope, out)

    def tail_cond(self, form, scope, out):
        for clause in form[1:]:
            self.check_clause(clause, "cond")
            test = clause[0]
            body = out.child()
            self.tail_body(list(clause[1:]), scope, body)
            if test is True:
                out.extend(body)
                return
            cond = self.test(test, scope, out)
            out.block(f"if {cond}", body)
        out.emit("return None")

    @staticmethod
    def check_clause(clause, name):
        if not is_form(clause) or len(clause) < 2:
            raise LispError(f"Error: in a '{name}' each clause must be a list of a test and at least "
                            "one expression", name, None, form_line(clause))

    # functions --------------------------------------------------------------------------
    def parameters(self, params, form):
        """(python parameter list, prologue lines, LispE names, simple?) for a parameter list."""
        if not is_form(params):
            raise LispError("Error: the parameter list must be a list", None, None, form_line(form))
        names, python, prologue, simple = [], [], [], True
        for i, p in enumerate(params):
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
                raise LispError(f"Error: invalid parameter: {p!r}", None, None, form_line(form))
        return python, prologue, names, simple

    def collect_locals(self, forms, into):
        """Names that `setq`/`loop`/`let`... bind in `forms` (nested lambdas included)."""
        for form in forms:
            if not is_form(form) or not form:
                continue
            head = form[0]
            if type(head) is Symbol:
                if head in ("quote", "defun", "class@", "defclass", "defmacro"):
                    continue
                if head in ("setq", "loop", "loopcount", "dotimes") and len(form) > 1:
                    target = form[1]
                    if head in ("loopcount", "dotimes"):
                        target = form[2] if len(form) > 3 and is_symbol(form[2]) else None
                    if head == "loop" and is_form(target) and target and is_symbol(target[0]):
                        target = target[0]
                    if is_symbol(target):
                        into.add(str(target))
                if head in ("mloop", "lloop") and len(form) > 1 and is_form(form[1]):
                    into.update(str(v) for v in form[1] if is_symbol(v))
                if head == "let" and len(form) > 1 and is_form(form[1]):
                    into.update(str(b[0]) for b in form[1] if is_form(b) and b and is_symbol(b[0]))
                if head in ("lambda", "λ", "\\") and len(form) > 1 and is_form(form[1]):
                    inner = set()
                    self.collect_locals(form[2:], inner)
                    lparams = {str(p[0] if is_form(p) and p else p) for p in form[1]}
                    into.update(inner - lparams)
                    continue
            self.collect_locals(form, into)

    def function(self, name, params, body, scope_kind, parent, out, form, cls=None, pyname=None):
        """Emit `def pyname(...)` for a defun / lambda / method; returns the Python name."""
        python, prologue, names, simple = self.parameters(params, form)
        if scope_kind == "method":
            python = ["this"] + python
        scope = Scope(scope_kind, parent, names, name=name, cls=cls)
        scope.simple_params = simple
        inner = set()
        self.collect_locals(body, inner)
        if scope_kind == "lambda":
            for n in inner - set(names):
                if parent.is_local(n):
                    scope.declared_outer[n] = "nonlocal"
                else:
                    scope.declared_outer[n] = "global"
        else:
            scope.locals |= inner
        pyname = pyname or self.temp("_f")
        scope.self_ref = pyname
        shown = "lambda" if scope_kind == "lambda" else (name or "method")
        self.signatures[pyname] = f"({shown} {source_text(params)}"
        body_out = Writer(out.unit, 0, out.line)
        declarations = [f"{kind} {mangle(n)}" for n, kind in sorted(scope.declared_outer.items())]
        for d in declarations:
            body_out.emit(d)
        for n in sorted(scope.locals - set(names)):
            body_out.emit(f"if False: {mangle(n)} = None")  # makes it a Python local of this function
        for pyparam, default, kind in prologue:
            if kind == "rest":
                body_out.emit(f"{pyparam} = list({pyparam})")
            else:
                dflt = out.child()
                dflt.indent = 0
                value = self.expr(default, scope, dflt) if default is not None else "None"
                dflt.emit(f"{pyparam} = {value}")
                body_out.block(f"if {pyparam} is _rt_MISSING", dflt)
        main = Writer(out.unit, 0, out.line)
        self.tail_body(list(body), scope, main)
        if scope.tail_loop:
            body_out.block("while True", main)
        else:
            body_out.extend(main)
        out.block(f"def {pyname}({', '.join(python)})", body_out)
        return pyname

    @special("defun", signature="(defun name (params...) body...)",
             doc="Define a global function; returns it.")
    def defun(self, form, scope, out):
        if len(form) < 3 or not is_symbol(form[1]):
            raise LispError("Error: Wrong number of arguments for: 'defun'", "defun", None, form_line(form))
        name = str(form[1])
        self.check_assignable(name, form)
        self.functions.add(name)
        toplevel = scope.kind == "module"
        pyname = self.function(name, form[2], list(form[3:]), "function", Scope("module"), out, form,
                               pyname=mangle(name) if toplevel else None)
        source = self.constant(source_text(form))
        out.emit(f"{pyname}.lispe_source = {source}")
        out.emit(f"{pyname}.lispe_name = {name!r}")
        if pyname != mangle(name):
            out.emit(f"_rt_G[{mangle(name)!r}] = {pyname}")
        return pyname

    @special("lambda", "λ", "\\", signature="(lambda (params...) body...)",
             doc="An anonymous function.")
    def lambda_(self, form, scope, out):
        if len(form) < 2:
            raise LispError("Error: Wrong number of arguments for: 'lambda'", "lambda", None, form_line(form))
        pyname = self.function(None, form[1], list(form[2:]), "lambda", scope, out, form)
        out.emit(f"{pyname}.lispe_source = {self.constant(source_text(form, lambda_=True))}")
        return pyname

    @special("defmacro", signature="(defmacro name (params...) body)",
             doc="Define a macro: calls are replaced by the body with the arguments substituted.")
    def defmacro(self, form, scope, out):
        if len(form) < 4 or not is_symbol(form[1]) or not is_form(form[2]):
            raise LispError("Error: Wrong number of arguments for: 'defmacro'", "defmacro", None,
                            form_line(form))
        body = form[3] if len(form) == 4 else Form([S("block")] + list(form[3:]), None, form_line(form))
        self.macros[str(form[1])] = (list(form[2]), body)
        return "True"

    def check_assignable(self, name, form, variable=False):
        """defun cannot redefine a core function; no form can bind a special form or nil/true.
        A variable may take the name of a builtin function (seeds write `(setq size ...)`,
        DECISIONS.md 1): calls `(size x)` still reach the builtin."""
        entry = lookup(name)
        core = entry is not None and entry.library == "core"
        if name in ("nil", "true") or (core and (entry.special or not variable)):
            raise LispError(f"Error: '{name}' is a keyword and cannot be assigned", name, None,
                            form_line(form))

    # classes ----------------------------------------------------------------------------
    @special("class@", "defclass", signature="(class@ Name (fields...) (defun method ...) ...)",
             doc="Declare a class with fields and methods; (from@ Parent) inherits.")
    def class_(self, form, scope, out):
        if len(form) < 4 or not is_symbol(form[1]) or not is_form(form[2]):
            raise LispError("Error: Wrong number of arguments for: 'class@'", "class@", None,
                            form_line(form))
        self.declare_class(form)
        name = str(form[1])
        field_specs = []
        module = Scope("module")
        for f in form[2]:
            if is_form(f):
                if len(f) > 1:
                    thunk = self.function(None, [], [f[1]], "method", module, out, form, cls=name)
                    field_specs.append(f"({str(f[0])!r}, {thunk})")
                else:
                    field_specs.append(f"({str(f[0])!r}, _rt_nil_default)")
            else:
                field_specs.append(f"({str(f)!r}, None)")
        methods, parent = [], "None"
        for element in form[3:]:
            if is_form(element) and element and is_symbol(element[0], "defun"):
                pyname = self.function(str(element[1]), element[2], list(element[3:]), "method",
                                       module, out, element, cls=name)
                out.emit(f"{pyname}.lispe_source = {self.constant(source_text(element))}")
                methods.append(f"{str(element[1])!r}: {pyname}")
            elif is_form(element) and element and is_symbol(element[0], "from@"):
                parent = self.variable(element[1], scope, out)
            else:
                raise LispError("Error: a class body holds (defun ...) methods and (from@ Parent)",
                                "class@", None, form_line(element, form_line(form)))
        out.emit(f"_rt_G[{mangle(name)!r}] = _rt_LispClass({name!r}, [{', '.join(field_specs)}], "
                 f"{{{', '.join(methods)}}}, {parent})")
        return mangle(name)

    @special("from@", signature="(from@ Parent (method args...))",
             doc="Inside a method: call the parent class's version of a method.")
    def from_(self, form, scope, out):
        if len(form) != 3 or not is_form(form[2]) or not scope.this:
            raise LispError("Error: from@ calls a parent method inside a method: (from@ Parent (m ...))",
                            "from@", None, form_line(form))
        cls = self.variable(form[1], scope, out)
        args = self.args(form[2][1:], scope, out)
        return f"{cls}.methods[{str(form[2][0])!r}]({', '.join([scope.this] + args)})"

    @special("this", signature="(this)", doc="The current class instance.")
    def this(self, form, scope, out):
        if not scope.this:
            raise LispError("Error: (this) is only meaningful inside a method", "this", None, form_line(form))
        return scope.this

    @special("withclass", signature="(withclass Class body...)",
             doc="Evaluate the body (method calls are resolved against Class).")
    def withclass(self, form, scope, out):
        return self.body(list(form[2:]), scope, out)

    # assignment -------------------------------------------------------------------------
    def assign(self, name, value, scope, out, where="local"):
        key = mangle(name)
        if where == "global" and scope.kind != "module":
            out.emit(f"_rt_G[{key!r}] = {value}")
        elif where == "field" and scope.this:
            out.emit(f"{scope.this}.fields[{str(name)!r}] = {value}")
        else:
            out.emit(f"{key} = {value}")

    def target(self, form, name_index=1):
        if len(form) <= name_index or not is_symbol(form[name_index]):
            raise LispError(f"Error: '{form[0]}' needs a variable name", str(form[0]), None, form_line(form))
        name = str(form[name_index])
        if name in ("nil", "true"):
            raise LispError(f"Error: '{name}' is a keyword and cannot be assigned", str(form[0]), None,
                            form_line(form))
        return name

    @special("setq", signature="(setq name value)", doc="Bind name in the current frame; returns true.")
    def setq(self, form, scope, out):
        if len(form) != 3:
            raise LispError("Error: Wrong number of arguments for: 'setq'", "setq", None, form_line(form))
        name = self.target(form)
        self.check_assignable(name, form, variable=True)
        value = self.expr(form[2], scope, out)
        if scope.kind == "module" and not scope.is_local(name):
            self.functions.discard(name)
        self.assign(name, value, scope, out)
        return "True"

    @special("setg", signature="(setg name value)", doc="Bind name in the global frame; returns true.")
    def setg(self, form, scope, out):
        if len(form) != 3:
            raise LispError("Error: Wrong number of arguments for: 'setg'", "setg", None, form_line(form))
        name = self.target(form)
        self.check_assignable(name, form, variable=True)
        self.assign(name, self.expr(form[2], scope, out), scope, out, "global")
        return "True"

    @special("setqi", signature="(setqi name value)",
             doc="Set a field of the current instance (setq outside methods); returns true.")
    def setqi(self, form, scope, out):
        if len(form) != 3:
            raise LispError("Error: Wrong number of arguments for: 'setqi'", "setqi", None, form_line(form))
        name = self.target(form)
        value = self.expr(form[2], scope, out)
        if scope.this:
            self.assign(name, value, scope, out, "field")
        else:
            self.assign(name, value, scope, out)
        return "True"

    @special("seth", signature="(seth name value)", doc="Bind a shared variable (global here); returns true.")
    def seth(self, form, scope, out):
        return self.setg(form, scope, out)

    @special(*AUGMENTED, signature="(+= name value...)",
             doc="Update a variable in place: (+= x 1) is (setq x (+ x 1)) where x is found.")
    def augmented(self, form, scope, out):
        if len(form) < 3:
            raise LispError(f"Error: Wrong number of arguments for: '{form[0]}'", str(form[0]), None,
                            form_line(form))
        name = self.target(form)
        op = S(AUGMENTED[str(form[0])])
        current = self.variable(form[1], scope, out)
        if len(form) == 3 and op in ("+", "-", "*") and current == mangle(name) \
                and (scope.is_local(name) or scope.kind == "module"):
            return self.augmented_inline(op, current, form[2], scope, out)
        new = Form([op, form[1]] + list(form[2:]), None, form_line(form))
        value = self.value_in_temp(self.expr(new, scope, out), out)
        if scope.is_local(name):
            self.assign(name, value, scope, out)
        elif current.startswith(f"{scope.this}.fields") if scope.this else False:
            out.emit(f"{current} = {value}")
        elif scope.this:
            out.emit(f"_rt_set_field_or_global({scope.this}, {name!r}, {mangle(name)!r}, {value})")
        else:
            self.assign(name, value, scope, out, "global")
        return value

    def augmented_inline(self, op, current, value_form, scope, out):
        """`x op= v` on a Python variable: native for numbers (and strings for +), else generic."""
        rhs = self.value_in_temp(self.expr(value_form, scope, out), out)
        fast = f"type({current}) in {NUMERIC} and type({rhs}) in {NUMERIC}"
        if op == "+":
            fast = f"{fast} or type({current}) is str and type({rhs}) is str"
        native, generic = out.child(), out.child()
        native.emit(f"{current} {op}= {rhs}")
        generic.emit(f"{current} = {self.builtin_ref(lookup(op))}({current}, {rhs})")
        out.block(f"if {fast}", native)
        out.block("else", generic)
        return current

    @special("let", signature="(let ((name value)...) body...)",
             doc="Bind names for the duration of the body.")
    def let(self, form, scope, out):
        if len(form) < 3 or not is_form(form[1]):
            raise LispError("Error: Wrong number of arguments for: 'let'", "let", None, form_line(form))
        saved = []
        for binding in form[1]:
            if not is_form(binding) or not binding or not is_symbol(binding[0]):
                raise LispError("Error: let bindings are (name value) lists", "let", None, form_line(form))
            name = str(binding[0])
            value = self.expr(binding[1] if len(binding) > 1 else None, scope, out)
            if scope.kind == "module":
                t = self.temp()
                out.emit(f"{t} = _rt_G.get({mangle(name)!r}, _rt_MISSING)")
                saved.append((name, t))
            self.assign(name, value, scope, out)
        if not saved:
            return self.body(list(form[2:]), scope, out)
        body = out.child()
        result = self.temp()
        body.emit(f"{result} = {self.body(list(form[2:]), scope, body)}")
        restore = out.child()
        for name, t in saved:
            restore.emit(f"_rt_restore({mangle(name)!r}, {t})")
        out.block("try", body)
        out.block("finally", restore)
        return result

    # quote and blocks ---------------------------------------------------------------------
    @special("quote", signature="(quote x)", doc="x, unevaluated.")
    def quote(self, form, scope, out):
        if len(form) != 2:
            raise LispError("Error: Wrong number of arguments for: 'quote'", "quote", None, form_line(form))
        value = to_data(form[1])
        if isinstance(value, list):
            return f"_rt_copy({self.constant(value)})"
        return self.constant(value)

    @special("block", signature="(block body...)", doc="Evaluate in order; the last value.")
    def block(self, form, scope, out):
        return self.body(list(form[1:]), scope, out)

    # conditionals -----------------------------------------------------------------------
    def branch(self, forms, scope, out, result):
        """Emit `forms` into `out`, storing the last value in `result`."""
        out.emit(f"{result} = {self.body(forms, scope, out)}")

    @special("if", signature="(if test then (else))", doc="then when test is true, else otherwise.")
    def if_(self, form, scope, out):
        if len(form) not in (3, 4):
            raise LispError("Error: Wrong number of arguments for: 'if'", "if", None, form_line(form))
        return self.conditional(form[1], [form[2]], list(form[3:]), scope, out)

    @special("ife", signature="(ife test then else...)", doc="if with a sequence as else part.")
    def ife(self, form, scope, out):
        if len(form) < 4:
            raise LispError("Error: Wrong number of arguments for: 'ife'", "ife", None, form_line(form))
        return self.conditional(form[1], [form[2]], list(form[3:]), scope, out)

    def test(self, form, scope, out):
        """A Python expression used only for its truth: two-argument comparisons stay native
        (a 0-dim tensor's answer is true or false like a number's)."""
        if is_form(form) and len(form) == 3 and type(form[0]) is Symbol and str(form[0]) in COMPARE_OPS \
                and not scope.is_local(form[0]) and not (isinstance(form, Form) and form.kind == "dict"):
            a, b = self.args(form[1:], scope, out)
            return f"({a} {COMPARE_OPS[str(form[0])]} {b})"
        return self.expr(form, scope, out)

    def conditional(self, test, then_forms, else_forms, scope, out, negate=False):
        cond = self.test(test, scope, out)
        if negate:
            cond = f"not {cond}"
        then, other = out.child(), out.child()
        te = self.body(then_forms, scope, then)
        ee = self.body(else_forms, scope, other)
        if not then.lines and not other.lines:
            return f"({te} if {cond} else {ee})"
        result = self.temp()
        then.emit(f"{result} = {te}")
        other.emit(f"{result} = {ee}")
        out.block(f"if {cond}", then)
        out.block("else", other)
        return result

    @special("check", signature="(check test body...)", doc="Evaluate body when test is true.")
    def check(self, form, scope, out):
        if len(form) < 2:
            raise LispError("Error: Wrong number of arguments for: 'check'", "check", None, form_line(form))
        return self.conditional(form[1], list(form[2:]), [], scope, out)

    @special("ncheck", signature="(ncheck test else then...)",
             doc="Evaluate else when test is false, otherwise the then part.")
    def ncheck(self, form, scope, out):
        if len(form) < 3:
            raise LispError("Error: Wrong number of arguments for: 'ncheck'", "ncheck", None, form_line(form))
        return self.conditional(form[1], [form[2]], list(form[3:]), scope, out, negate=True)

    @special("cond", signature="(cond (test body...)...)", doc="The body of the first true test.")
    def cond(self, form, scope, out):
        result = self.temp()
        out.emit(f"{result} = None")
        writer = out
        for clause in form[1:]:
            self.check_clause(clause, "cond")
            if clause[0] is True:
                self.branch(list(clause[1:]), scope, writer, result)
                return result
            cond = self.test(clause[0], scope, writer)
            then = writer.child()
            self.branch(list(clause[1:]), scope, then, result)
            writer.block(f"if {cond}", then)
            writer.emit("else:")
            writer = _IndentedWriter(writer)
            writer.emit("pass")
        return result

    @special("switch", signature="(switch value (v body...)... (true body...))",
             doc="The body whose value equals value (compared with =).")
    def switch(self, form, scope, out):
        if len(form) < 2:
            raise LispError("Error: Wrong number of arguments for: 'switch'", "switch", None, form_line(form))
        value = self.value_in_temp(self.expr(form[1], scope, out), out)
        equal = self.builtin_ref(lookup("="))
        result = self.temp()
        out.emit(f"{result} = None")
        writer = out
        for clause in form[2:]:
            self.check_clause(clause, "switch")
            if clause[0] is True:
                self.branch(list(clause[1:]), scope, writer, result)
                return result
            test = self.expr(clause[0], scope, writer)
            then = writer.child()
            self.branch(list(clause[1:]), scope, then, result)
            writer.block(f"if {equal}({value}, {test})", then)
            writer.emit("else:")
            writer = _IndentedWriter(writer)
            writer.emit("pass")
        return result

    @special("select", signature="(select value...)", doc="The first value that is not nil.")
    def select(self, form, scope, out):
        result = self.temp()
        out.emit(f"{result} = None")
        writer = out
        for arg in form[1:]:
            writer.emit(f"{result} = {self.expr(arg, scope, writer)}")
            writer.emit(f"if {result} is None or {result} is False:")
            writer = _IndentedWriter(writer)
            writer.emit("pass")
        return result

    @special("and", signature="(and test...)", doc="true when every test is true (short-circuit).")
    def and_(self, form, scope, out):
        return self.logical(form, scope, out, "and")

    @special("or", signature="(or test...)", doc="true when some test is true (short-circuit).")
    def or_(self, form, scope, out):
        return self.logical(form, scope, out, "or")

    def logical(self, form, scope, out, op):
        parts, buffers = [], []
        for arg in form[1:]:
            buf = out.child()
            parts.append(self.expr(arg, scope, buf))
            buffers.append(buf)
        if all(not b.lines for b in buffers):
            if not parts:
                return "True" if op == "and" else "False"
            return f"(True if ({f' {op} '.join(parts)}) else False)"
        result = self.temp()
        out.emit(f"{result} = {'True' if op == 'and' else 'False'}")
        writer = out
        for part, buf in zip(parts, buffers):
            for indent, text, line in buf.lines:
                writer.lines.append((indent - out.indent + writer.indent, text, line))
            test = f"not {part}" if op == "and" else part
            writer.emit(f"if {test}:")
            writer.lines.append((writer.indent + 1, f"{result} = {'False' if op == 'and' else 'True'}",
                                 writer.line))
            writer.emit("else:")
            writer = _IndentedWriter(writer)
            writer.emit("pass")
        return result

    @special("xor", signature="(xor a b)", doc="true when exactly one of a and b is true.")
    def xor(self, form, scope, out):
        if len(form) != 3:
            raise LispError("Error: Wrong number of arguments for: 'xor'", "xor", None, form_line(form))
        a, b = self.args(form[1:], scope, out)
        return f"(True if bool({a}) != bool({b}) else False)"

    # loops ------------------------------------------------------------------------------
    def loop_result(self, out):
        """The variable holding a loop's last body value, or None when the value is discarded."""
        if self.discard:
            self.discard = False
            return None
        result = self.temp()
        out.emit(f"{result} = None")
        return result

    def loop_body(self, forms, scope, out, result):
        scope.loops += 1
        try:
            if result is None:
                for form in forms:
                    self.statement(form, scope, out)
                return
            value = self.body(forms, scope, out)
        finally:
            scope.loops -= 1
        out.emit(f"{result} = {value}")

    def loop_var(self, name, scope, out):
        if scope.kind != "module" and str(name) not in scope.locals and not scope.is_local(name):
            scope.locals.add(str(name))
        return mangle(name)

    @special("loop", signature="(loop var container body...)",
             doc="Run body with var bound to each element (integer n: 0..n-1; (i a b): a..b-1).")
    def loop(self, form, scope, out):
        if len(form) < 3:
            raise LispError("Error: Wrong number of arguments for: 'loop'", "loop", None, form_line(form))
        header = form[1]
        if header is True:   # (loop true body...): until break
            return self.while_(Form([S("while"), True] + list(form[2:]), None, form_line(form)), scope, out)
        result = self.loop_result(out)
        if is_form(header) and header and is_symbol(header[0]):   # (loop (i a b) body...)
            bounds = self.args(header[1:], scope, out)
            var = self.loop_var(header[0], scope, out)
            iterable = f"range({', '.join(bounds)})"
            body_forms = list(form[2:])
        else:
            if not is_symbol(header):
                raise LispError("Error: loop needs a variable name", "loop", None, form_line(form))
            iterable = f"_rt_iter({self.expr(form[2], scope, out)})"
            var = self.loop_var(header, scope, out)
            body_forms = list(form[3:])
        body = out.child()
        self.loop_body(body_forms, scope, body, result)
        out.block(f"for {var} in {iterable}", body)
        return result or "None"

    @special("loopcount", "dotimes", signature="(loopcount n (var) body...)",
             doc="Run body n times; var (optional) counts from 0.")
    def loopcount(self, form, scope, out):
        if len(form) < 2:
            raise LispError("Error: Wrong number of arguments for: 'loopcount'", "loopcount", None,
                            form_line(form))
        result = self.loop_result(out)
        count = self.expr(form[1], scope, out)
        if len(form) > 3 and is_symbol(form[2]):
            var, body_forms = self.loop_var(form[2], scope, out), list(form[3:])
        else:
            var, body_forms = "_", list(form[2:])
        body = out.child()
        self.loop_body(body_forms, scope, body, result)
        out.block(f"for {var} in _rt_count({count})", body)
        return result or "None"

    @special("while", signature="(while test body...)", doc="Run body while test is true.")
    def while_(self, form, scope, out):
        if len(form) < 2:
            raise LispError("Error: Wrong number of arguments for: 'while'", "while", None, form_line(form))
        result = self.loop_result(out)
        test = out.child()
        cond = self.test(form[1], scope, test)
        body = out.child()
        self.loop_body(list(form[2:]), scope, body, result)
        if not test.lines:
            out.block(f"while {cond}", body)
            return result or "None"
        loop = out.child()
        loop.extend(test)
        loop.emit(f"if not {cond}: break")
        loop.extend(body)
        out.block("while True", loop)
        return result or "None"

    @special("mloop", "lloop", signature="(mloop (v1 v2...) l1 l2... body...)",
             doc="Iterate over several containers in parallel.")
    def mloop(self, form, scope, out):
        if len(form) < 3 or not is_form(form[1]):
            raise LispError("Error: Wrong number of arguments for: 'mloop'", "mloop", None, form_line(form))
        result = self.loop_result(out)
        names = list(form[1])
        containers = self.args(form[2:2 + len(names)], scope, out)
        vars_ = [self.loop_var(n, scope, out) for n in names]
        body = out.child()
        self.loop_body(list(form[2 + len(names):]), scope, body, result)
        iterables = ", ".join(f"_rt_iter({c})" for c in containers)
        out.block(f"for {', '.join(vars_)}, in zip({iterables})", body)
        return result or "None"

    @special("break", signature="(break)", doc="Leave the innermost loop.")
    def break_(self, form, scope, out):
        if scope.loops:
            out.emit("break")
        else:
            out.emit("raise _rt_LispBreak()")
        return "None"

    @special("return", signature="(return (value))", doc="Leave the current function with value.")
    def return_(self, form, scope, out):
        value = self.expr(form[1], scope, out) if len(form) > 1 else "None"
        if scope.kind == "module":
            raise LispError("Error: 'return' outside a function", "return", None, form_line(form))
        out.emit(f"return {value}")
        return "None"

    # errors -----------------------------------------------------------------------------
    @special("maybe", signature="(maybe expr... fallback)",
             doc="With one argument: true if it is an error. Otherwise the fallback on error.")
    def maybe(self, form, scope, out):
        if len(form) < 2:
            raise LispError("Error: Wrong number of arguments for: 'maybe'", "maybe", None, form_line(form))
        if len(form) == 2:
            return f"(True if isinstance({self.expr(form[1], scope, out)}, _rt_LispError) else False)"
        result = self.temp()
        body = out.child()
        body.emit(f"{result} = {self.body(list(form[1:-1]), scope, body)}")
        handler = out.child()
        handler.emit("_rt_reraise_control(_rt_e)")
        handler.emit(f"{result} = {self.body([form[-1]], scope, handler)}")
        out.block("try", body)
        out.block("except Exception as _rt_e", handler)
        return result

    @special("catch", signature="(catch expr...)",
             doc="The value of the expressions, or the error object if one fails.")
    def catch(self, form, scope, out):
        result = self.temp()
        body = out.child()
        body.emit(f"{result} = {self.body(list(form[1:]), scope, body)}")
        handler = out.child()
        handler.emit("_rt_reraise_control(_rt_e)")
        handler.emit(f"{result} = _rt_as_error(_rt_e)")
        out.block("try", body)
        out.block("except Exception as _rt_e", handler)
        return result

    # time, modules, eval ---------------------------------------------------------------
    @special("elapse", signature="(elapse (body...))",
             doc="Milliseconds: since an origin, or taken by the body.")
    def elapse(self, form, scope, out):
        if len(form) == 1:
            return "_rt_now_ms()"
        start = self.temp()
        out.emit(f"{start} = _rt_now_ms()")
        self.statement(Form([S("block")] + list(form[1:]), None, form_line(form)), scope, out)
        return f"(_rt_now_ms() - {start})"

    @special("use", signature="(use 'library)", doc="Load a library (lispe_torch, lispe_tiktoken).")
    def use(self, form, scope, out):
        args = self.args(form[1:], scope, out)
        return f"_rt_use({', '.join(args)})"

    @special("load", signature="(load path)", doc="Run a LispE file in the global frame; its last value.")
    def load(self, form, scope, out):
        args = self.args(form[1:], scope, out)
        if len(args) != 1:
            raise LispError("Error: Wrong number of arguments for: 'load'", "load", None, form_line(form))
        return f"_rt_load({args[0]})"

    @special("eval", signature="(eval code)", doc="Evaluate a form, or a string of LispE code.")
    def eval_(self, form, scope, out):
        args = self.args(form[1:], scope, out)
        if len(args) != 1:
            raise LispError("Error: Wrong number of arguments for: 'eval'", "eval", None, form_line(form))
        return f"_rt_eval({args[0]})"


class _IndentedWriter(Writer):
    """A writer whose lines land in `parent`, one level deeper (for else-chains)."""

    def __init__(self, parent):
        super().__init__(parent.unit, parent.indent + 1, parent.line)
        self.lines = parent.lines


def arity_text(entry):
    if entry.max_args is None:
        return f"at least {entry.min_args}"
    if entry.min_args == entry.max_args:
        return str(entry.min_args)
    return f"{entry.min_args} to {entry.max_args}"


def to_data(form):
    """A quoted form as a LispE value: Forms become plain lists, dict literals dictionaries."""
    if isinstance(form, Form):
        if form.kind == "dict":
            return {to_data(k): to_data(v) for k, v in zip(form[::2], form[1::2])}
        if len(form) == 3 and type(form[1]) is Symbol and form[1] == ".":
            return Pair(to_data(form[0]), to_data(form[2]))
        return [to_data(x) for x in form]
    return form


def substitute(form, bindings):
    if type(form) is Symbol and str(form) in bindings:
        return bindings[str(form)]
    if isinstance(form, list):
        items = [substitute(x, bindings) for x in form]
        return Form(items, getattr(form, "file", None), getattr(form, "line", None),
                     getattr(form, "kind", "list"))
    return form


def source_text(form, lambda_=False):
    from .printer import to_string
    data = to_data(form)
    if lambda_ and data:
        data = [S("λ")] + data[1:]
    return to_string(data)
