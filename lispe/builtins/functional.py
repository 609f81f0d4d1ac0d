"""Higher-order functions, as the reference interpreter runs them, and quoted functions.

`map`, `filter`, `takewhile`, `dropwhile`, `take`, `drop`, `foldl`/`foldr` (and `foldl1`,
`foldr1`), `scanl`/`scanr` (and `scanl1`, `scanr1`) walk a list, a string (its characters) or
a dictionary (its keys) and always return a plain list.  A quoted partial call puts the element
right after its operator (`(map '(- 10) l)` computes `(- x 10)`), or, when the operator comes
last, at the end (`'(10 -)` computes `(- 10 x)`); `filter`, `takewhile` and `dropwhile` accept
only comparisons there, `map` any operator; a quoted operator alone is applied to the element
twice in `map` (`(map '+ l)` doubles).  `foldl` and `scanl` take `(f init list)`.

`quoted_function(value)` turns any quoted list into a function (`runtime.to_callable` calls
it): a quoted lambda, a partial call of an operator, or a partial call of any function, the
element going where `_` is or at the end.  The quoted code is compiled once per shape; the
local variables of the calling function that it names are passed to it, so
`(defun f (n) (filter '(< n) l))` works as in the reference.  The `maplist` family, `apply`,
`zip`, `zipwith` and `over` are in listfunctions.py; `for` is a special form.
"""

import itertools
import sys

from ..errors import LispError
from ..printer import register_printer, to_string
from ..registry import builtin
from ..runtime import is_lispe_code, mangle, to_callable
from ..values import Symbol, protocol, register_protocol, register_type_name, truthy
from ._common import SEQUENCES, check_int
from .lists import Endless as Repeated, IRange

COMPARATORS = frozenset(("=", "==", "!=", "<", ">", "<=", ">=", ">=<", ","))
OPERATORS = COMPARATORS | frozenset((
    "&", "&~", "|", "^", "+", "-+", "-", "*", "/", "%", "^^", "**", "<<", ">>", "&=", "|=",
    "^=", "+=", "-=", "*=", "/=", "%=", "^^=", "**=", "<<=", ">>=", "&&&", "|||", "^^^",
    "or", "and", "xor", "@", "at", "nth"))
ARITHMETIC = OPERATORS - COMPARATORS - {"or", "and", "xor", "@", "at", "nth"}
LAMBDAS = frozenset(("lambda", "λ", "\\"))
SLOT = None                      # `_` (nil) marks where the element goes in a quoted call
_ARG = Symbol("%x")              # parameter names of the compiled quoted functions
_CACHE_KEY = "_quoted_functions"  # where an interpreter's compiled quoted functions are kept
_NONE = object()                   # a local variable that is not there (sentinels are objects)


# The function argument ---------------------------------------------------------------------

def _lispe_frame():
    """The innermost frame running compiled LispE code, or None."""
    frame = sys._getframe(2)
    while frame is not None and not is_lispe_code(frame.f_code):
        frame = frame.f_back
    return frame


def _freeze(form):
    """A hashable image of a quoted form (type-tagged, so 1, 1.0 and true stay apart)."""
    if isinstance(form, list):
        return ("(",) + tuple(_freeze(x) for x in form)
    hash(form)
    return (type(form).__name__, form)


def _names(form, bound=frozenset()):
    """The symbols `form` reads as variables (not inside quotes, not lambda parameters)."""
    if type(form) is Symbol:
        return set() if form in bound else {form}
    if not isinstance(form, list) or not form:
        return set()
    head = form[0]
    if head == "quote":
        return set()
    if head in LAMBDAS and len(form) > 1 and isinstance(form[1], list):
        bound = bound | set(form[1])
        return set().union(*(_names(x, bound) for x in form[2:]))
    return set().union(*(_names(x, bound) for x in form))


def _compile(params, body):
    """A Python callable running `(lambda params body...)` in the calling interpreter.

    The calling LispE function's local variables that the body names become extra parameters,
    given their current values at each call of the result.  The names a shape reads and its
    compiled versions are kept in the interpreter's globals.
    """
    frame = _lispe_frame()
    if frame is None:
        raise LispError("Error: a quoted function needs a running LispE program")
    cache = frame.f_globals.setdefault(_CACHE_KEY, {})
    try:
        key = _freeze([list(params), *body])
    except TypeError:           # unhashable data inside the quoted code: analysed every time
        key = None
    entry = cache.get(key)
    if entry is None:
        names = sorted(set().union(*(_names(x, frozenset(params)) for x in body)))
        entry = ([(n, mangle(n)) for n in names], {})
        if key is not None:
            cache[key] = entry
    readable, versions = entry
    f_locals = frame.f_locals
    captured = tuple((n, k) for n, k in readable if type(f_locals.get(k, _NONE)) is not object)
    function = versions.get(captured)
    if function is None:
        form = [Symbol("lambda"), list(params) + [n for n, _ in captured], *body]
        function = versions[captured] = _located_at_caller(frame.f_globals["_rt_eval"](form))
    if not captured:
        return function
    values = [f_locals[k] for _, k in captured]
    return lambda *args: function(*args, *values)


def _located_at_caller(function):
    """`function`, whose errors are reported at the line of the builtin that called it (the
    quoted code has no line of its own)."""

    def call(*args):
        try:
            return function(*args)
        except Exception as e:  # noqa: BLE001 - re-raised, without the quoted code's frames
            raise e.with_traceback(None) from None
    return call


def _partial(head, before, after, arity=1):
    """The callable computing `(head before... x after...)` for `arity` arguments x."""
    args = [Symbol(f"%x{i}") for i in range(arity)] if arity > 1 else [_ARG]
    return _compile(args, [[head, *before, *args, *after]])


def _slotted(form):
    """`(f a _ b)` -> the callable of `(f a x b)`; without a `_`, x goes at the end."""
    head, rest = form[0], list(form[1:])
    if SLOT in rest:
        i = len(rest) - 1 - rest[::-1].index(SLOT)
        return _partial(head, rest[:i], rest[i + 1:])
    return _partial(head, rest, [])


def is_lambda(form):
    return isinstance(form, list) and len(form) > 2 and form[0] in LAMBDAS


def _lambda(form):
    return _compile(form[1], form[2:])


def quoted_function(value):
    """A callable for a quoted list used as a function.

    `'(lambda (x) ...)` is that lambda; `'(op a b)` calls `(op args... a b)` and `'(a b op)`
    calls `(op a b args...)` when op is an operator; any other `'(f a b)` calls `(f a b x)`,
    or puts x where `_` is.
    """
    if not value:
        raise LispError("Error: empty list not accepted here")
    if is_lambda(value):
        return _lambda(value)
    head, last = value[0], value[-1]
    if len(value) >= 2 and type(last) is Symbol and last in OPERATORS and head not in OPERATORS:
        return _variadic(lambda n: _partial(last, value[:-1], [], n))
    if type(head) is Symbol and head in OPERATORS:
        return _variadic(lambda n: _partial(head, [], value[1:], n))
    return _slotted(value)


def _variadic(make):
    """A callable that compiles (once) a version of itself for each number of arguments."""
    versions = {}

    def call(*args):
        fn = versions.get(len(args))
        if fn is None:
            fn = versions[len(args)] = make(len(args))
        return fn(*args)
    return call


def operator_name(f):
    """The operator `f` names ('+ or the value of +), else None."""
    name = f if type(f) is Symbol else getattr(f, "lispe_name", None)
    return name if name in OPERATORS else None


def _action(f):
    """`map`'s function: a partial call must have an operator; an operator alone doubles."""
    if isinstance(f, list):
        return _composable(f, OPERATORS)
    name = operator_name(f)
    if name is not None:
        return _partial(Symbol(name), [], [_ARG])
    return _one_parameter(to_callable(f))


def _condition(f):
    """The test of `filter`, `takewhile`, `dropwhile`: a partial call must be a comparison."""
    if isinstance(f, list):
        return _composable(f, COMPARATORS)
    return _one_parameter(_unary(f))


def _one_parameter(fn):
    """`fn`, checked as the reference checks a lambda given to `map` or `filter`."""
    source = getattr(fn, "lispe_source", "")
    code = getattr(fn, "__code__", None)
    if source.startswith("(λ") and code is not None and code.co_argcount != 1:
        raise LispError(f"Error: Wrong number of arguments for: '{source}'")
    return fn


def _unary(f):
    """f called with one argument: an arithmetic operator alone then gives it back, as the
    reference's `(+ x)` does at run time."""
    if operator_name(f) in ARITHMETIC:
        return _same
    return to_callable(f)


def _same(x):
    return x


def _composable(form, operators):
    if is_lambda(form):
        fn = _lambda(form)
        if len(form[1]) != 1:
            raise LispError(f"Error: Wrong number of arguments for: '{_lambda_text(form)}'")
        return fn
    if len(form) >= 2:
        head, last = form[0], form[-1]
        if type(head) is Symbol and head in operators:
            return _partial(head, [], form[1:])
        if type(last) is Symbol and last in operators:
            return _partial(last, form[:-1], [])
    raise LispError("Error: missing operator")


def _lambda_text(form):
    return to_string([Symbol("λ"), *form[1:]])


def any_function(f):
    """The function of the *list family: any function; quoted calls fill `_` or append."""
    if isinstance(f, list):
        if not f:
            raise LispError("Error: empty list not accepted here")
        return _lambda(f) if is_lambda(f) else _slotted(f)
    return _unary(f)


# The walked elements ------------------------------------------------------------------------

class Lazy:
    """An endless sequence computed as it is walked.  The reference runs `map`, `filter`,
    `take`... over an endless range (`(irange 1 1)`, `cycle`, `repeat`) by fusing them into one
    loop; here `map`, `filter`, `drop` and `dropwhile` of an endless sequence give a `Lazy`
    one, and `take`, `takewhile` (or a loop that breaks) end it:
    `(takewhile '(< 10) (map '* (irange 1 1)))`."""

    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make            # () -> a fresh iterator over the elements

    def __iter__(self):
        return self.make()


register_type_name(Lazy, "list_")
register_printer(Lazy, lambda e: "(...)")
register_protocol("endless", Lazy, lambda e: True)
register_protocol("endless", Repeated, lambda e: True)              # cycle, repeat
register_protocol("endless", IRange, lambda r: r.stop is None)      # (irange start step)


def is_endless(c):
    """True for an endless sequence (its kind's "endless" protocol says so)."""
    fn = protocol("endless", c)
    return fn is not None and fn(c)


def elements(c):
    """What the higher-order functions walk: list items, characters, dictionary keys (in
    ascending order, DECISIONS.md 12), set members, the values of a lazy range; nothing for a
    number or nil.  An endless sequence is an error: use `take` or `takewhile` first."""
    if isinstance(c, (SEQUENCES, str)):
        return c
    if isinstance(c, (dict, set, frozenset)):
        try:
            return sorted(c)
        except TypeError:
            return list(c)
    if is_endless(c):
        raise LispError("Error: this function cannot walk an endless list (take a part of it)")
    fn = protocol("iter", c)
    if fn is not None:
        return list(fn(c))
    if hasattr(c, "__iter__") and not isinstance(c, bytes):
        return list(c)
    return ()


def _lazily(c, walk):
    """`walk(iterator)` over an endless c, as an endless sequence."""
    return Lazy(lambda: walk(iter(c)))


def as_list(c, fname):
    """The elements of a list argument; anything else is an error naming `fname`."""
    if isinstance(c, SEQUENCES):
        return c
    fn = protocol("iter", c)
    if fn is not None and not isinstance(c, (str, dict)):
        return list(fn(c))
    raise LispError(f"Error: arguments to '{fname}' should be given as a list")


# map, filter and their companions -----------------------------------------------------------

@builtin("map")
def map_(f, c):
    """The list of (f x) for every element x of c (characters of a string, keys of a dictionary)."""
    fn = _action(f)
    if is_endless(c):
        return _lazily(c, lambda it: map(fn, it))
    return [fn(x) for x in elements(c)]


@builtin("filter")
def filter_(predicate, c):
    """The list of the elements x of c for which (predicate x) is true."""
    fn = _condition(predicate)
    if is_endless(c):
        return _lazily(c, lambda it: (x for x in it if truthy(fn(x))))
    return [x for x in elements(c) if truthy(fn(x))]


@builtin("takewhile")
def takewhile(predicate, c):
    """The list of the leading elements of c for which (predicate x) is true."""
    fn = _condition(predicate)
    values = c if is_endless(c) else elements(c)
    return list(itertools.takewhile(lambda x: truthy(fn(x)), values))


@builtin("dropwhile")
def dropwhile(predicate, c):
    """The list of the elements of c from the first one for which (predicate x) is false."""
    fn = _condition(predicate)
    if is_endless(c):
        return _lazily(c, lambda it: itertools.dropwhile(lambda x: truthy(fn(x)), it))
    return list(itertools.dropwhile(lambda x: truthy(fn(x)), elements(c)))


def _count(n, fname):
    if isinstance(n, float):
        return int(n)
    return check_int(n, fname, "a number of elements")


@builtin("take")
def take(n, c):
    """The list of the first n elements of c (all of them when n is negative)."""
    n = _count(n, "take")
    if is_endless(c):
        if n < 0:
            raise LispError("Error: take: an endless list has no end to take")
        return list(itertools.islice(c, n))
    values = list(elements(c))
    return values if n < 0 else values[:n]


@builtin("drop")
def drop(n, c):
    """The list of the elements of c after the first n."""
    n = max(_count(n, "drop"), 0)
    if is_endless(c):
        return _lazily(c, lambda it: itertools.islice(it, n, None))
    return list(elements(c))[n:]


# folds and scans ----------------------------------------------------------------------------

_CONTAINERS = (SEQUENCES, str, dict, set)


def _init_and_list(init, c):
    """`(f init list)` as the reference writes it; `(f list init)` (spec §9.4) when only the
    first is a container."""
    if isinstance(init, _CONTAINERS) and not isinstance(c, _CONTAINERS):
        init, c = c, init
    return init, list(elements(c))


def function_of(f):
    """Any function value as a callable: a quoted list is a quoted function."""
    if isinstance(f, list):
        return quoted_function(f)
    return to_callable(f)


def binary(f):
    """The two-argument function of a fold, a scan or a reduction: an arithmetic operator is
    compiled into `(op a b)`, so that it runs as fast as written code."""
    name = operator_name(f)
    if name in ARITHMETIC and _lispe_frame() is not None:
        return _partial(Symbol(name), [], [], arity=2)
    return function_of(f)


@builtin("foldl")
def foldl(f, init, c):
    """Left fold: (f (f (f init x1) x2) x3)..."""
    fn = binary(f)
    acc, values = _init_and_list(init, c)
    for x in values:
        acc = fn(acc, x)
    return acc


@builtin("foldr")
def foldr(f, init, c):
    """Right fold: (f x1 (f x2 (f x3 init)))..."""
    fn = binary(f)
    acc, values = _init_and_list(init, c)
    for x in reversed(values):
        acc = fn(x, acc)
    return acc


@builtin("scanl")
def scanl(f, init, c):
    """The successive values of a left fold: (init (f init x1) ...)."""
    fn = binary(f)
    acc, values = _init_and_list(init, c)
    out = [acc]
    for x in values:
        acc = fn(acc, x)
        out.append(acc)
    return out


@builtin("scanr")
def scanr(f, init, c):
    """The successive values of a right fold, last first: (... (f xn init) init)."""
    fn = binary(f)
    acc, values = _init_and_list(init, c)
    out = [acc]
    for x in reversed(values):
        acc = fn(x, acc)
        out.append(acc)
    out.reverse()
    return out


def _first_and_rest(c, last=False):
    values = list(elements(c))
    if not values:
        return None, []
    return (values[-1], values[:-1]) if last else (values[0], values[1:])


@builtin("foldl1")
def foldl1(f, c):
    """Left fold seeded with the first element (nil for an empty list)."""
    return foldl(f, *_first_and_rest(c))


@builtin("foldr1")
def foldr1(f, c):
    """Right fold seeded with the last element (nil for an empty list)."""
    return foldr(f, *_first_and_rest(c, last=True))


@builtin("scanl1")
def scanl1(f, c):
    """`scanl` seeded with the first element."""
    return scanl(f, *_first_and_rest(c))


@builtin("scanr1")
def scanr1(f, c):
    """`scanr` seeded with the last element."""
    return scanr(f, *_first_and_rest(c, last=True))
