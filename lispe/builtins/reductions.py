"""APL-style reductions and scans with a function: `↗` (`//`, `reduce`), `↘` (`\\\\`, `scan`),
`⌿` (`-//`, `backreduce`) and `⍀` (`-\\\\`, `backscan`).

    (↗ '+ '(1 2 3 4))     -> 10             (↘ '+ '(1 2 3 4))   -> (1 3 6 10)
    (⌿ '- '(10 2 3))      -> -9  (3-2-10)   (⍀ '- '(10 2 3))    -> (3 1 -9)
    (↗ '< '(1 2 3))       -> 1   (a comparison chains, answering 1/0)
    (↗ '(2 0 1) '(a b c)) -> (a a c)        (↘ '(1 0 1) '(a b c)) -> (a 0 b)
    (↘ '+ '(1 2 3 4 5) 2) -> ((1 3) (3 7) (5))   (the list cut into slices of 2)

The `⌿`/`⍀` forms work on the reversed list (and reversed counts).  A list of counts in place
of the function replicates (`↗`) or expands (`↘`) the elements, as APL's `/` and `\\` do; with
one argument `↗` copies the list and `⌿` reverses it.
"""

from ..errors import LispError
from ..registry import builtin
from ._common import SEQUENCES, check_int
from .functional import COMPARATORS, binary, is_lambda, operator_name
from .listfunctions import bool_as_int


def _checked(c, what):
    if not isinstance(c, SEQUENCES):
        raise LispError(f"Error: argument for '{what}' should be a list")
    return list(c)


def _slices(values, size):
    step = check_int(size, "reduce", "an increment")
    if step <= 0:
        raise LispError("Error: wrong value for the increment")
    return [values[i:i + step] for i in range(0, len(values), step)]


def _counts(f):
    return [x if type(x) is int else int(x) if type(x) is float else 0 for x in f]


def _fold(f, values):
    if not values:
        return None
    if isinstance(f, list) and not is_lambda(f):
        return _replicate(_counts(f), values)
    fn = binary(f)
    if operator_name(f) in COMPARATORS:
        return 1 if all(bool_as_int(fn(a, b)) == 1 for a, b in zip(values, values[1:])) else 0
    acc = values[0]
    for x in values[1:]:
        acc = fn(acc, x)
    return bool_as_int(acc)


def _scan(f, values):
    if isinstance(f, list) and not is_lambda(f):
        return _expand(_counts(f), values)
    fn = binary(f)
    if operator_name(f) in COMPARATORS:
        return [bool_as_int(fn(a, b)) for a, b in zip(values, values[1:])]
    out = []
    for x in values:
        out.append(x if not out else bool_as_int(fn(out[-1], x)))
    return out


def _replicate(counts, values):
    """APL `/`: each element repeated as many times as its count."""
    return [x for k, x in zip(counts, values) for _ in range(max(k, 0))]


def _expand(counts, values):
    """APL `\\`: a positive count takes the next element that many times, 0 inserts a 0."""
    out, source = [], iter(values)
    for k in counts:
        if k > 0:
            x = next(source, None)
            out.extend([x] * k)
        else:
            out.append(0)
    return out


def _apply(walk, what, f, c, size, backward):
    values = _checked(c, what)
    if backward:
        values.reverse()
        if isinstance(f, list) and not is_lambda(f):
            f = f[::-1]
    if size is not None:
        return [walk(f, part) for part in _slices(values, size)]
    return walk(f, values)


@builtin("↗", aliases=("//", "reduce"))
def reduce_(f, c=None, size=None):
    """Fold a list with f from the left; with one argument, a copy of the list."""
    if c is None:
        return _copy(f, backward=False)
    return _apply(_fold, "reduce", f, c, size, backward=False)


@builtin("↘", aliases=("\\\\", "scan"))
def scan(f, c, size=None):
    """The successive values of folding a list with f from the left."""
    if isinstance(c, SEQUENCES) and not len(c):
        return []
    return _apply(_scan, "scan", f, c, size, backward=False)


@builtin("⌿", aliases=("-//", "backreduce"))
def backreduce(f, c=None, size=None):
    """Fold a list with f from the right; with one argument, the list reversed."""
    if c is None:
        return _copy(f, backward=True)
    return _apply(_fold, "backreduce", f, c, size, backward=True)


@builtin("⍀", aliases=("-\\\\", "backscan"))
def backscan(f, c, size=None):
    """The successive values of folding a list with f from the right."""
    if isinstance(c, SEQUENCES) and not len(c):
        return None
    return _apply(_scan, "backscan", f, c, size, backward=True)


def _copy(c, backward):
    values = _checked(c, "reduce")
    if backward:
        values.reverse()
    return type(c)(values)
