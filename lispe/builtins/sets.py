"""Sets and heaps (spec §3, §9.2): `set` (any element), `sets` (strings), `seti` (integers),
`setn` (numbers), the list/set operators `&&&` (intersection), `|||` (union) and `^^^`
(symmetric difference), and `heap`, a list kept sorted by a comparator.

Sets are `LispSet`s, printed in sorted order; `push`/`insert` add, `pop` removes, `in` tests
membership.  Elements are converted as the reference converts them (`(seti "3" 1.5)` is
`{1 3}`).  List arguments spread their elements into a set.  Decision: `^^^` is the
symmetric difference (the reference build returns the second operand instead).

A heap is a `list` subclass that stays sorted: its comparator is a `>=<`-style function
(negative, 0, positive) or a strict predicate such as `'<`; `push`/`insert` put a value in
its place, `pop` removes the last one, `car`/`@`/`loop` read it in order.
"""

import array
import bisect
import functools

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin, lookup
from ..runtime import to_callable
from ..values import LList, LispSet, register_type_name, truthy
from ._common import parse_number, type_error


def _integer(x):
    if isinstance(x, str):
        x = parse_number(x)
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise type_error("seti", "integers", x)
    return int(x)


def _number(x):
    if isinstance(x, str):
        x = parse_number(x)
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise type_error("setn", "numbers", x)
    return float(x)


class SetS(LispSet):
    """`sets`: a set of strings."""
    convert = staticmethod(lambda x: x if isinstance(x, str) else to_string(x))


class SetI(LispSet):
    """`seti`: a set of integers."""
    convert = staticmethod(_integer)


class SetN(LispSet):
    """`setn`: a set of numbers."""
    convert = staticmethod(_number)


register_type_name(SetS, "set_s_")
register_type_name(SetI, "set_i_")
register_type_name(SetN, "set_n_")

_SEQUENCES = (list, array.array, LList)


def _elements(args):
    """The arguments, with list and set arguments spread into their elements."""
    for a in args:
        if isinstance(a, (*_SEQUENCES, set)):
            yield from a
        else:
            yield a


@builtin("set")
def set_(*elements):
    """A set of the arguments (list arguments contribute their elements)."""
    out = LispSet()
    for x in _elements(elements):
        try:
            out.add(x)
        except TypeError:
            raise type_error("set", "hashable elements (not containers)", x) from None
    return out


def _typed_set(kind):
    def make(*elements):
        return kind(kind.convert(x) for x in _elements(elements))
    return make


builtin("sets", doc="A set of strings (other values are converted to their printed form).",
        signature="(sets e...)")(_typed_set(SetS))
builtin("seti", doc="A set of integers (numbers are truncated, strings read).",
        signature="(seti e...)")(_typed_set(SetI))
builtin("setn", doc="A set of numbers (strings are read).", signature="(setn e...)")(
    _typed_set(SetN))


# &&& ||| ^^^ ---------------------------------------------------------------------------------

def _operand(value, op):
    if isinstance(value, (*_SEQUENCES, set, str)):
        return value
    raise LispError(f"Error: Can only apply '{op}' to strings, lists or sets", op)


def _distinct(values):
    out = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _combine(op, first, others, pick):
    """Fold the operands with `pick(kept, other)`; a set first operand gives a set."""
    if not isinstance(first, (*_SEQUENCES, set)):
        return first
    kept = list(first)
    for other in others:
        kept = pick(kept, list(_operand(other, op)))
    if isinstance(first, LispSet):
        try:
            return type(first)(kept)
        except TypeError:
            raise type_error(op, "hashable elements in a set (not containers)", first) from None
    return _distinct(kept)


@builtin("&&&")
def intersection(first, *others):
    """The elements of the first list or set found in every other one."""
    return _combine("&&&", first, others, lambda a, b: [x for x in a if x in b])


@builtin("|||")
def union(first, *others):
    """The elements found in any of the lists or sets, each once."""
    return _combine("|||", first, others, lambda a, b: a + [x for x in b if x not in a])


@builtin("^^^")
def symmetric_difference(first, *others):
    """The elements found in exactly one of two lists or sets (folded over more)."""
    return _combine("^^^", first, others,
                    lambda a, b: [x for x in a if x not in b] + [x for x in b if x not in a])


# heap ----------------------------------------------------------------------------------------

class Heap(list):
    """`heap`: a list kept sorted by its comparator."""

    __slots__ = ("key",)

    def __init__(self, compare):
        super().__init__()

        def order(a, b):
            r = compare(a, b)
            if isinstance(r, bool) or r is None:   # a strict predicate such as '<
                return -1 if truthy(r) else (1 if truthy(compare(b, a)) else 0)
            return r
        self.key = functools.cmp_to_key(order)

    def add(self, value):
        """Put value in its place (after the equal ones)."""
        position = bisect.bisect_right(self, self.key(value), key=self.key)
        list.insert(self, position, value)
        return self


register_type_name(Heap, "heap_")


@builtin("heap")
def heap(compare=None, *values):
    """A heap ordered by compare (default `>=<`, ascending) holding the values."""
    fn = to_callable(compare) if compare is not None else lookup(">=<").func
    out = Heap(fn)
    for v in values:
        out.add(v)
    return out
