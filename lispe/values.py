"""The LispE value model.

LispE values are Python values wherever the semantics match:

    nil -> None          true -> True (Python False also reads as nil)
    integer -> int       number -> float        string -> str
    list -> list         dictionary (string keys) -> dict
    functions and lambdas -> Python callables    tensors -> torch.Tensor

Small classes cover the rest: `Symbol` (atoms), the typed lists (`Integers`, `Numbers`,
`Floats`, `Shorts` are `array.array`s, so `torch.frombuffer`/`numpy.frombuffer` read them
without a per-element loop; `Strings` is a list), the 32-bit `Float32` (`float_`) and 16-bit
`Short` (`short_`) scalars, `DictI`/`DictN` (integer / number keyed
dictionaries), `LList`, `Pair`, `LispSet`.  `type_name` gives the `(type x)` atom for any value;
libraries add their own kinds with `register_type_name`.
"""

import array
import collections
import math
import struct


class Symbol(str):
    """A LispE atom (the value of `'abc`)."""

    __slots__ = ()

    def __repr__(self):
        return f"Symbol({str.__repr__(self)})"

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):   # atoms are immutable: copies of quoted data share them
        return self


class _Empty(Symbol):
    """The atom print/println return: it prints as nothing and, as in the original, is true."""

    __slots__ = ()

    def __bool__(self):
        return True


EMPTY = _Empty("")


class TypedArray(array.array):
    """Base of the numeric typed lists: slicing and copying keep the element type."""

    typecode_ = "d"
    convert = float

    def __new__(cls, data=()):
        if isinstance(data, array.array) and data.typecode == cls.typecode_:
            return super().__new__(cls, cls.typecode_, data)
        return super().__new__(cls, cls.typecode_, [cls.convert(x) for x in data])

    @classmethod
    def from_array(cls, data):
        """Copy an `array.array` (or a buffer of this item type) without a Python loop."""
        out = super().__new__(cls, cls.typecode_)
        if isinstance(data, array.array) and data.typecode != cls.typecode_:
            out.fromlist([cls.convert(x) for x in data])
        else:
            out.frombytes(memoryview(data).cast("B"))
        return out

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self).from_array(array.array.__getitem__(self, index))
        return array.array.__getitem__(self, index)

    def __copy__(self):
        return type(self).from_array(self)

    def __deepcopy__(self, memo):
        return type(self).from_array(self)

    def __reduce__(self):
        return (type(self), (list(self),))

    def __eq__(self, other):
        if isinstance(other, (list, array.array)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None


def _to_int(x):
    if isinstance(x, str):
        return int(float(x)) if any(c in x for c in ".eE") else int(x, 0)
    return int(x)


def _to_float(x):
    return float(x)


class Integers(TypedArray):
    """`integers`: 64-bit integers."""
    typecode_ = "q"
    convert = staticmethod(_to_int)


class Shorts(TypedArray):
    """`shorts`: 16-bit integers."""
    typecode_ = "h"
    convert = staticmethod(_to_int)


class Numbers(TypedArray):
    """`numbers`: 64-bit floats."""
    typecode_ = "d"
    convert = staticmethod(_to_float)


class Floats(TypedArray):
    """`floats`: 32-bit floats."""
    typecode_ = "f"
    convert = staticmethod(_to_float)


class Float32(float):
    """`float_`: a 32-bit float, as the sum of a `floats` list or `(float x)` gives it."""

    __slots__ = ()

    def __new__(cls, value=0.0):
        try:
            value = _F32.unpack(_F32.pack(value))[0]
        except OverflowError:       # beyond the 32-bit range: an infinity, as in C
            value = math.copysign(math.inf, value)
        return super().__new__(cls, value)


class Short(int):
    """`short_`: a 16-bit integer (wraps around like the reference's `int16_t`)."""

    __slots__ = ()

    def __new__(cls, value=0):
        return super().__new__(cls, (int(value) + 0x8000) % 0x10000 - 0x8000)


_F32 = struct.Struct("f")


class Strings(list):
    """`strings`: a list of strings."""

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Strings(list.__getitem__(self, index))
        return list.__getitem__(self, index)


TYPED_LISTS = (Integers, Shorts, Numbers, Floats, Strings)


class DictI(dict):
    """`dictionaryi`: integer keys."""


class DictN(dict):
    """`dictionaryn`: number keys."""


class LispSet(set):
    """`set`/`sets`/`seti`/`setn`: printed in sorted order."""


class LList(collections.deque):
    """`llist`: a linked list; `push` adds at the front.  `cyclic` is true once `extend` has
    linked its end back to its start (it then prints with a final `...`)."""

    cyclic = False


class Pair:
    """A dotted pair `(a . b)`."""

    __slots__ = ("car", "cdr")

    def __init__(self, car, cdr):
        self.car = car
        self.cdr = cdr

    def __eq__(self, other):
        return isinstance(other, Pair) and self.car == other.car and self.cdr == other.cdr

    __hash__ = None


# (type x) -------------------------------------------------------------------------------

_TYPE_NAMES = {
    bool: "atom_", type(None): "atom_", int: "integer_", float: "number_", str: "string_",
    Symbol: "atom_", list: "list_", dict: "dictionary_", DictI: "dictionary_i_",
    DictN: "dictionary_n_", LispSet: "set_", LList: "llist_", Pair: "list_",
    Integers: "integers_", Shorts: "shorts_", Numbers: "numbers_", Floats: "floats_",
    Strings: "strings_", Float32: "float_", Short: "short_",
}
_TYPE_PREDICATES = []


def register_type_name(kind, name):
    """Give values of Python class `kind` (or matching predicate `kind`) the type atom `name`."""
    if isinstance(kind, type):
        _TYPE_NAMES[kind] = name
    else:
        _TYPE_PREDICATES.append((kind, name))


def type_name(value):
    """The name of the `(type value)` atom, e.g. `integer_`."""
    name = _TYPE_NAMES.get(type(value))
    if name is not None:
        return name
    for kind in type(value).__mro__:
        if kind in _TYPE_NAMES:
            return _TYPE_NAMES[kind]
    for predicate, name in _TYPE_PREDICATES:
        if predicate(value):
            return name
    lisp_type = getattr(value, "lisp_type", None)
    if lisp_type:
        return lisp_type() if callable(lisp_type) else lisp_type
    if callable(value):
        return getattr(value, "lispe_kind", "function_")
    return type(value).__name__ + "_"


AMBIGUOUS_TRUTH = ("Error: a tensor of several values is neither true nor false "
                   "(compare it, or use tensor_sum or tensor_item first)")


def truthy(value):
    """LispE truth, the one rule of every conditional (compiled `if`, `and`, `not`, `filter`...):
    nil, 0, 0.0, "" and empty containers are false.  A tensor of several values has no truth
    value: an error, as in compiled conditionals."""
    try:
        return bool(value)
    except (RuntimeError, ValueError):
        from .errors import LispError
        raise LispError(AMBIGUOUS_TRUTH) from None


# Container protocol for library kinds ------------------------------------------------------
# Core builtins such as `@`, `car`, `cdr`, `@@`, `size`, `loop` and `set@` handle the core
# values themselves and ask here for any other kind (tensors, say).  Operations:
#   "at" fn(value, index)   "car" fn(value)   "cdr" fn(value)   "extract" fn(value, start, end)
#   "size" fn(value)        "iter" fn(value) -> iterable        "set_at" fn(value, index, v)

_PROTOCOLS = {}


def register_protocol(operation, kind, fn):
    """Let the core builtin `operation` handle values of Python class `kind` with `fn`."""
    _PROTOCOLS[(operation, kind)] = fn


def protocol(operation, value):
    """The function registered for `operation` on `value`'s class (or a base class), or None."""
    for kind in type(value).__mro__:
        fn = _PROTOCOLS.get((operation, kind))
        if fn is not None:
            return fn
    return None
