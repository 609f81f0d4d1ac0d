"""Sets (spec §3, §9.2): `set` (any element), `sets` (strings), `seti` (integers), `setn`
(numbers).  They are `LispSet`s, printed in sorted order; `push` adds, `pop` removes,
`in` tests membership, `&` and `|` intersect and unite.
"""

from ..printer import to_string
from ..registry import builtin
from ..values import LispSet, register_type_name
from ._common import SEQUENCES, check_int, type_error


class SetS(LispSet):
    """`sets`: a set of strings."""
    convert = staticmethod(lambda x: x if isinstance(x, str) else to_string(x))


class SetI(LispSet):
    """`seti`: a set of integers."""
    convert = staticmethod(lambda x: check_int(x, "seti"))


class SetN(LispSet):
    """`setn`: a set of numbers."""

    @staticmethod
    def convert(x):
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise type_error("setn", "numbers", x)
        return float(x)


register_type_name(SetS, "set_s_")
register_type_name(SetI, "set_i_")
register_type_name(SetN, "set_n_")


def _elements(args):
    """The arguments, with list arguments spread into their elements."""
    for a in args:
        if isinstance(a, (SEQUENCES, set)):
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
builtin("seti", doc="A set of integers.", signature="(seti e...)")(_typed_set(SetI))
builtin("setn", doc="A set of numbers.", signature="(setn e...)")(_typed_set(SetN))
