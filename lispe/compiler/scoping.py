"""Which names are locals, fields or globals, with LispE's rule for `setq`.

In LispE a `setq` in a function creates the name in the function's frame when it RUNS; before
that, a read of the name sees the enclosing lookup (the instance's field inside a method, then
the global frame).  Python decides locals per function body instead.  The compiler keeps Python's
fast locals for every name the function binds (`bound_names`), and `unset_reads` finds the ones
that may be read before they are set: those start as `_rt_UNSET` and their reads fall back to the
enclosing lookup while unset.  The common case (set, then read) stays a plain fast local.
"""

from .syntax import is_dict_literal, is_form, is_symbol
from .table import FORMS

LAMBDAS = ("lambda", "λ", "\\")
OWN_SCOPE = ("quote", "defun", "class@", "defclass", "defmacro", "defpat", "defpred", "defprol",
             "dethread", "data@", "defspace")


class Scope:
    """Where a form is compiled: the module, a `defun`, a lambda, or a method."""

    def __init__(self, kind, parent=None, params=(), name=None, cls=None):
        self.kind = kind                  # "module", "function", "lambda", "method"
        self.parent = parent
        self.locals = set(params)         # LispE names that are Python locals here
        self.params = list(params)
        self.unset = set()                # locals that may be read before their setq runs
        self.declared_outer = {}          # name -> "nonlocal" / "global" (lambdas)
        self.name = name                  # defun name, for self tail calls
        self.cls = cls if cls is not None else (parent.cls if parent else None)
        self.this = "this" if kind == "method" else (parent.this if parent and kind == "lambda" else None)
        self.loops = 0                    # Python loops open around the current point
        self.simple_params = False        # only required positional parameters
        self.self_ref = None              # Python name that `self` calls
        self.tail_loop = False            # a self tail call was turned into `continue`
        self.stable = set()               # parameters never reassigned: their type is cached
        self.type_cache = {}              # stable parameter -> local holding its type

    def type_of(self, expr):
        """The Python expression for the type of `expr` (a parameter's type is read once)."""
        from ..runtime import mangle
        for name in self.stable:
            if mangle(name) == expr:
                if name not in self.type_cache:
                    self.type_cache[name] = f"_T{expr}"
                return self.type_cache[name]
        return f"type({expr})"

    def owner(self, name):
        """The function scope where `name` is a Python local, or None (a global or field)."""
        scope = self
        while scope is not None and scope.kind != "module":
            if name in scope.locals:
                return scope
            scope = scope.parent
        return None

    def is_local(self, name):
        return self.owner(name) is not None

    def enclosing_function(self):
        """The innermost defun or method (lambdas are compiled inside it)."""
        scope = self
        while scope.kind == "lambda" and scope.parent is not None:
            scope = scope.parent
        return scope


def head_name(form, scope):
    """The name of a form's head when it names a special form (not shadowed by a local)."""
    if is_form(form) and form and is_symbol(form[0]) and not is_dict_literal(form) \
            and not (scope is not None and scope.is_local(form[0])):
        return str(form[0])
    return None


def bound_names(forms, into):
    """Names that `setq`, loops, `let`... bind in `forms` (setq inside nested lambdas included)."""
    for form in forms:
        if not is_form(form) or not form:
            continue
        head = head_name(form, None)
        if head in OWN_SCOPE:
            continue
        spec = FORMS.get(head)
        if spec is not None and spec.binds is not None:
            into.update(spec.binds(form))
        if head in LAMBDAS and len(form) > 1 and is_form(form[1]):
            inner = set()
            bound_names(form[2:], inner)
            into.update(inner - {str(p[0] if is_form(p) and p else p) for p in form[1]})
            continue
        bound_names(form, into)


def assigned_names(forms):
    """Every name that `forms` may assign: what `bound_names` finds, and in-place targets."""
    names = set()
    bound_names(forms, names)
    _augmented_targets(forms, names)
    return names


def _augmented_targets(forms, into):
    for form in forms:
        if is_form(form) and form:
            if is_symbol(form[0]) and str(form[0]).endswith("=") and len(form) > 1 and is_symbol(form[1]):
                into.add(str(form[1]))
            _augmented_targets(form, into)


def unset_reads(body, candidates, expand):
    """The names of `candidates` that `body` may read before a setq of them has surely run.

    Walks the forms in evaluation order; a name counts as set after a `setq` that always runs
    (not inside a branch, a loop body or a lambda).  `expand(form)` returns the macro expansion
    of a macro call, or None.
    """
    found = set()
    _walk_sequence(list(body), set(), candidates, found, expand)
    return found


def _walk_sequence(forms, assigned, candidates, found, expand):
    for f in forms:
        _walk(f, assigned, candidates, found, expand)


def _walk(form, assigned, candidates, found, expand):
    if is_symbol(form):
        if str(form) in candidates and str(form) not in assigned:
            found.add(str(form))
        return
    if not is_form(form) or not form:
        return
    head = head_name(form, None)
    spec = FORMS.get(head)
    if head in OWN_SCOPE:
        return
    if head in LAMBDAS:
        _walk_sequence(form[2:], set(assigned), candidates, found, expand)
        return
    if spec is None:
        expanded = expand(form) if head is not None else None
        if expanded is not None:
            _walk(expanded, assigned, candidates, found, expand)
        else:
            _walk_sequence(form, assigned, candidates, found, expand)
        return
    args = list(form[1:])
    if head in ("setq", "setqv", "label") and len(args) == 2:
        _walk(args[1], assigned, candidates, found, expand)
        assigned.add(str(args[0]))
        return
    if head == "let" and args and is_form(args[0]):
        for binding in args[0]:
            if is_form(binding) and len(binding) > 1:
                _walk(binding[1], assigned, candidates, found, expand)
            if is_form(binding) and binding:
                assigned.add(str(binding[0]))
        _walk_sequence(args[1:], assigned, candidates, found, expand)
        return
    names = set(spec.binds(form)) if spec.binds is not None else set()
    if names:
        args = [_without_names(a, names) for a in args]
    always = spec.always(form) if callable(spec.always) else spec.always
    always = len(args) if always is None else always
    _walk_sequence(args[:always], assigned, candidates, found, expand)
    _walk_sequence(args[always:], assigned | names, candidates, found, expand)


def _without_names(arg, names):
    """A loop header without the names it binds: `i` -> None, `(i a b)` -> `(a b)`."""
    if is_symbol(arg) and str(arg) in names:
        return None
    if is_form(arg) and arg and all(is_symbol(x) and str(x) in names for x in arg):
        return None
    if is_form(arg) and arg and is_symbol(arg[0]) and str(arg[0]) in names:
        return list(arg[1:])
    return arg
