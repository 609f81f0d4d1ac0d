"""Dictionaries (spec §9, §13): `dictionary` (string keys), `dictionaryi` (integer keys),
`dictionaryn` (number keys), their `dictionarytree*` twins, `key@`/`keyi@`/`keyn@` (also
spelled `key`/`keyi`/`keyn`), `keys@`/`values@` and their aliases (`containerkeys`,
`containervalues`, and the `keys`/`values` extension of DECISIONS.md 1).

Keys are converted as the reference converts them: a string dictionary keys every value by
its printed form (`(@ d 1)` reads key "1"), an integer dictionary by its integer value
(`"3"` and `3.7` are key 3), a number dictionary by its numeric value.  Every dictionary
prints and iterates in ascending key order (DECISIONS.md 12), so a `dictionarytree` (the
reference's sorted dictionary) differs from a `dictionary` only by its type.  Reading with
`@` and `set@` lives in `containers.py`.
"""

import array

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin
from ..values import DictI, DictN, Integers, LList, Numbers, Strings, register_type_name
from ._common import parse_number, type_error


class DictTree(dict):
    """`dictionarytree`: string keys, kept in order."""


class DictTreeI(DictI):
    """`dictionarytreei`: integer keys, kept in order."""


class DictTreeN(DictN):
    """`dictionarytreen`: number keys, kept in order."""


register_type_name(DictTree, "dictionarytree_")
register_type_name(DictTreeI, "dictionarytree_i_")
register_type_name(DictTreeN, "dictionarytree_n_")


def as_integer_key(value, fname):
    """The reference's integer conversion of a key: numbers truncated, strings parsed."""
    if isinstance(value, str):
        value = parse_number(value)
    if isinstance(value, float):
        return int(value) if value == value and abs(value) != float("inf") else 0
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise type_error(fname, "an integer key", value)


def as_number_key(value, fname):
    """The reference's number conversion of a key: numbers, and strings parsed."""
    if isinstance(value, str):
        value = parse_number(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise type_error(fname, "a number key", value)


def dict_key(d, key, fname="dictionary"):
    """`key` converted to the key type of dictionary `d`."""
    if isinstance(d, DictI):
        return as_integer_key(key, fname)
    if isinstance(d, DictN):
        return as_number_key(key, fname)
    return key if type(key) is str else to_string(key)


def _fill(d, name, args):
    """Store the (key value ...) pairs of `args` into `d`; returns d."""
    if len(args) % 2:
        raise LispError(f"Error: wrong number of arguments for '{name}'", name)
    for i in range(0, len(args), 2):
        d[dict_key(d, args[i], name)] = args[i + 1]
    return d


def _build(kind, name, args):
    """(dictionary), (dictionary d), (dictionary keys values) or (dictionary k v ...)."""
    if len(args) == 1:
        source = args[0]
        if not isinstance(source, dict):
            raise LispError(f"Error: wrong arguments for '{name}'", name)
        return _fill(kind(), name, [x for kv in source.items() for x in kv])
    if len(args) == 2 and all(isinstance(a, (list, array.array, LList)) for a in args):
        keys, values = args
        if len(keys) != len(values):
            raise LispError(f"Error: the two lists should have the same size '{name}'", name)
        return _fill(kind(), name, [x for kv in zip(keys, values) for x in kv])
    return _fill(kind(), name, args)


def _constructor(kind, name, what):
    def make(*keys_and_values):
        return _build(kind, name, keys_and_values)
    make.__name__ = make.__qualname__ = name
    builtin(name, signature=f"({name} k1 v1 k2 v2 ...)",
            doc=f"A dictionary with {what}: from key/value pairs, from a list of keys and a "
                "list of values, or converted from another dictionary.")(make)


for _kind, _name, _what in ((dict, "dictionary", "string keys"),
                            (DictI, "dictionaryi", "integer keys"),
                            (DictN, "dictionaryn", "number keys"),
                            (DictTree, "dictionarytree", "string keys, sorted"),
                            (DictTreeI, "dictionarytreei", "integer keys, sorted"),
                            (DictTreeN, "dictionarytreen", "number keys, sorted")):
    _constructor(_kind, _name, _what)


def _key_access(name, kind, accepts, args):
    """The shared body of key@, keyi@ and keyn@."""
    if not args:
        return kind()
    d, rest = args[0], args[1:]
    if not isinstance(d, dict):      # (key@ k v ...): a new dictionary of these pairs
        if len(args) % 2:
            raise LispError(f"Error: wrong number of arguments for '{name}'", name)
        return _fill(kind(), name, args)
    if accepts is not None and not isinstance(d, accepts):
        raise LispError(f"Error: wrong dictionary type for '{name}'", name)
    if len(rest) == 1:
        return d.get(dict_key(d, rest[0], name))
    if not rest:
        raise LispError(f"Error: wrong number of arguments for '{name}'", name)
    return _fill(d, name, rest)


@builtin("key@", aliases=("key",), signature="(key@ d k [v k2 v2 ...])")
def key_at(*args):
    """(key@ d k): value or nil; (key@ d k v ...): store, return d; (key@ k v ...): new {}."""
    return _key_access("key", dict, None, args)


@builtin("keyi@", aliases=("keyi",), signature="(keyi@ d k [v k2 v2 ...])")
def keyi_at(*args):
    """`key@` for integer-keyed dictionaries; (keyi@) is an empty dictionaryi."""
    return _key_access("keyi", DictI, DictI, args)


@builtin("keyn@", aliases=("keyn",), signature="(keyn@ d k [v k2 v2 ...])")
def keyn_at(*args):
    """`key@` for number-keyed dictionaries; (keyn@) is an empty dictionaryn."""
    return _key_access("keyn", DictN, DictN, args)


def sorted_keys(d):
    """The keys of `d` in ascending order (insertion order when they cannot be compared)."""
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def _key_list(d):
    if isinstance(d, DictI):
        return Integers(sorted_keys(d))
    if isinstance(d, DictN):
        return Numbers(sorted_keys(d))
    return Strings(sorted_keys(d))


@builtin("keys@", aliases=("containerkeys", "keys"))
def keys_at(c):
    """The keys of a dictionary, sorted; the indexes of a list or a string."""
    if isinstance(c, dict):
        return _key_list(c)
    if isinstance(c, (str, list, array.array, LList)):
        return Integers(range(len(c)))
    raise type_error("keys@", "a dictionary or a list", c)


@builtin("values@", aliases=("containervalues", "values"))
def values_at(c):
    """The values of a dictionary, in the order of its sorted keys (a list: a copy of it)."""
    if isinstance(c, dict):
        return [c[k] for k in sorted_keys(c)]
    if isinstance(c, (list, array.array, LList)):
        return list(c)
    raise type_error("values@", "a dictionary or a list", c)
