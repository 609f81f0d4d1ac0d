"""Pattern functions (`defpat`, `defpred`, `defprol`) and data types (`data@`) at run time.

A `defpat` family is a `PatternFunction`: its clauses are tried in the original's order — first
the clauses indexed on the type of the first argument (a typed pattern `(integer_ x)`, a literal,
a data constructor `[Circle r]`, a dictionary), in definition order, then the generic ones
(variables, list patterns), in definition order.  A clause matches when every pattern unifies
with its argument (`unify`); its body runs with the bound variables.  A `defpred` clause fails
too when one of its body expressions is false (its compiled body returns `FAILED`).  A
`defprol` family runs every clause that matches and returns the list of their values.

A data value is a `Data` list `[Constructor, field...]`, so `car`, `cdr`, `@` and `size` work on
it as in the original; `data@` declares constructors (`DataType`), optionally in a named group.
"""

from .errors import LispError
from .printer import register_printer
from .reader import Form
from .values import Symbol, TypedArray, register_type_name, truthy, type_name

FAILED = object()   # a defpred clause whose test was false
DEFINERS = {"pattern_": "defpat", "predicate_": "defpred", "prolog_": "defprol"}

TYPE_PATTERNS = frozenset((
    "integer_", "number_", "float_", "short_", "string_", "atom_", "list_", "llist_",
    "dictionary_", "dictionary_i_", "dictionary_n_", "integers_", "numbers_", "floats_",
    "shorts_", "strings_", "set_", "sets_", "seti_", "setn_", "data_", "complex_", "heap_",
    "function_", "lambda_", "pattern_", "predicate_", "tensor_", "matrix_", "true_", "nil_",
))


class Data(list):
    """A value built by a `data@` constructor: `(Point 1 2)` is `[Point, 1, 2]`."""

    __slots__ = ("kind",)

    def __init__(self, kind, fields):
        super().__init__([Symbol(kind.name)] + list(fields))
        self.kind = kind


class DataType:
    """A constructor declared by `data@`: a name, field types (None: any) and its group."""

    def __init__(self, name, fields, group=None):
        self.name = name
        self.fields = fields
        self.group = group
        self.lispe_name = name

    def __call__(self, *values):
        if len(values) != len(self.fields):
            raise LispError("Error: Size mismatch between argument list and data structure definition")
        for i, (wanted, value) in enumerate(zip(self.fields, values)):
            if wanted is not None and not type_matches(wanted, value):
                raise LispError(f"Error: Mismatch on argument: {i + 1} ({wanted} required)")
        return Data(self, values)

    def is_a(self, name):
        return name == self.name or name == self.group

    def lisp_type(self):
        return "data_"


def type_matches(wanted, value):
    """Does `value` have the LispE type `wanted` (`integer_`, ..., or a data name/group)?"""
    if isinstance(value, Data):
        return wanted == "data_" or value.kind.is_a(wanted)
    return type_name(value) == wanted


class FunctionPattern:
    """A pattern that is a call, `(checking 15 x)` or `(flip (in "a" s))`: its argument
    variable takes the value, then the call (`test`, compiled with the clause) must be true;
    an error in the call is a failed match, as in the original."""

    def __init__(self, argument, variables, source):
        self.argument = argument        # the variable (or nested call pattern) bound to the value
        self.variables = variables      # the clause's variables, the parameters of `test`
        self.source = source
        self.test = None                # set when the compiled clause is loaded

    def holds(self, bindings):
        try:
            return truthy(self.test(*[bindings.get(v) for v in self.variables]))
        except LispError:
            return False


class PatternFunction:
    """A `defpat` / `defpred` family: clauses (patterns, variable names, compiled body)."""

    def __init__(self, name, kind, data_names):
        self.lispe_name = name
        self.kind = kind                 # "pattern_", "predicate_" or "prolog_" (defprol)
        self.data_names = data_names     # the interpreter's data@ constructor and group names
        self.clauses = []                # (index key or None, patterns, variables, function)
        self.lispe_source = f"({DEFINERS[kind]} {name} ...)"

    def add(self, patterns, variables, function):
        self.clauses.append((clause_key(patterns, self.data_names), patterns, variables, function))
        return self

    def __call__(self, *args):
        results = []
        for result in self.matches(args):
            if self.kind != "prolog_":
                return result
            results.append(result)
        if self.kind == "prolog_":
            return results
        raise LispError(f"Error: Could not find a match for function: '{self.lispe_name}'")

    def matches(self, args):
        """The values of the clauses that match `args`, in the original's order (a defpred
        clause whose test is false does not count)."""
        key = argument_key(args)
        for indexed in (True, False):
            for clause_key_, patterns, variables, function in self.clauses:
                if (clause_key_ is not None) != indexed or len(patterns) != len(args):
                    continue
                if indexed and not key_matches(clause_key_, key, args[0]):
                    continue
                bindings = {}
                if all(unify(p, a, bindings, self.data_names) for p, a in zip(patterns, args)):
                    result = function(*[bindings.get(v) for v in variables])
                    if result is not FAILED:
                        yield result

    def lisp_type(self):
        return self.kind


def clause_key(patterns, data_names):
    """The type a clause is indexed on (from its first pattern), or None for a generic clause."""
    if not patterns:
        return None
    first = patterns[0]
    if isinstance(first, Form):
        if first.kind == "dict":
            return "dictionary_"
        head = str(first[0]) if first and type(first[0]) is Symbol else None
        if head in TYPE_PATTERNS or head in data_names:
            return head
        return None
    if type(first) is Symbol or first is None or first is True or isinstance(first, FunctionPattern):
        return None
    return type_name(first)


def argument_key(args):
    return type_name(args[0]) if args and not isinstance(args[0], Data) else None


def key_matches(key, arg_key, arg):
    if isinstance(arg, Data):
        return arg.kind.is_a(key) or key == "data_"
    return key == arg_key


def unify(pattern, value, bindings, data_names):
    """Match `pattern` (a form of the defpat parameters) against `value`, binding variables."""
    if pattern is None or pattern is True:              # _ and true match anything
        return True
    if type(pattern) is Symbol:
        name = str(pattern)
        if name in bindings:
            return equal(bindings[name], value)
        bindings[name] = value
        return True
    if isinstance(pattern, FunctionPattern):
        return unify(pattern.argument, value, bindings, data_names) and pattern.holds(bindings)
    if not isinstance(pattern, Form):
        return equal(pattern, value)
    if pattern.kind == "dict":
        return unify_dict(pattern, value, bindings, data_names)
    head = str(pattern[0]) if pattern and type(pattern[0]) is Symbol else None
    if head in TYPE_PATTERNS and len(pattern) == 2:
        return type_matches(head, value) and unify(pattern[1], value, bindings, data_names)
    if head in data_names:
        return isinstance(value, Data) and value.kind.is_a(head) \
            and unify_sequence(pattern[1:], value[1:], bindings, data_names)
    if not is_sequence(value):
        return False
    return unify_sequence(pattern, value, bindings, data_names)


def is_sequence(value):
    """Lists and typed lists (not data values, which only data patterns match)."""
    return isinstance(value, (list, TypedArray)) and not isinstance(value, Data)


def unify_sequence(patterns, values, bindings, data_names):
    """Element-wise unification, with `$ rest` taking the remaining elements (same kind)."""
    for i, p in enumerate(patterns):
        if type(p) is Symbol and str(p) == "$" and i + 1 < len(patterns):
            return unify(patterns[i + 1], values[i:], bindings, data_names)
        if i >= len(values) or not unify(p, values[i], bindings, data_names):
            return False
    return len(values) == len(patterns)


def unify_dict(pattern, value, bindings, data_names):
    """`{"key":pattern ... $:rest}`: literal keys first, a variable key takes the one left."""
    if not isinstance(value, dict):
        return False
    left = dict(value)
    pairs = list(zip(pattern[0::2], pattern[1::2]))
    for key, sub in pairs:
        if type(key) is Symbol and str(key) == "$":
            return unify(sub, type(value)(left), bindings, data_names)
        if type(key) is Symbol:
            if len(left) != 1:
                return False
            (k, v), = left.items()
            if not (unify(key, k, bindings, data_names) and unify(sub, v, bindings, data_names)):
                return False
            left = {}
            continue
        if key not in left or not unify(sub, left.pop(key), bindings, data_names):
            return False
    return not left


def equal(a, b):
    return type(a) is type(b) and a == b if not isinstance(a, list) else a == b


register_type_name(Data, "data_")
register_printer(DataType, lambda d: d.name)
register_printer(PatternFunction, lambda f: f.lispe_source)
register_printer(FunctionPattern, lambda p: p.source)
