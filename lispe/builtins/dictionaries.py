"""Dictionaries (spec §9, §13): `dictionary` (string keys), `dictionaryi` (integer keys),
`dictionaryn` (number keys), `key@`, `keys@`/`values@` and their aliases (`containerkeys`,
`containervalues`, and the `keys`/`values` extension of DECISIONS.md 1).

A string dictionary converts every key to its printed form, so `(@ d 1)` reads key "1".
Keys come back sorted, as the printer shows them.  Reading with `@` and `set@` lives in
`containers.py`.
"""

from ..errors import LispError
from ..registry import builtin
from ..values import DictI, DictN, Integers, Numbers, Strings
from ._common import type_error
from .containers import dict_key


def _build(kind, name, args):
    if len(args) % 2:
        raise LispError(f"Error: wrong number of arguments for '{name}'", name)
    d = kind()
    for i in range(0, len(args), 2):
        d[dict_key(d, args[i])] = args[i + 1]
    return d


@builtin("dictionary")
def dictionary(*keys_and_values):
    """A dictionary with string keys: (dictionary k1 v1 k2 v2 ...)."""
    return _build(dict, "dictionary", keys_and_values)


@builtin("dictionaryi")
def dictionaryi(*keys_and_values):
    """A dictionary with integer keys: (dictionaryi 1 v1 2 v2 ...)."""
    return _build(DictI, "dictionaryi", keys_and_values)


@builtin("dictionaryn")
def dictionaryn(*keys_and_values):
    """A dictionary with number keys: (dictionaryn 1.5 v1 ...)."""
    return _build(DictN, "dictionaryn", keys_and_values)


def _check_dict(d, fname):
    if not isinstance(d, dict):
        raise type_error(fname, "a dictionary", d)
    return d


@builtin("key@")
def key_at(d=None, key=None, value=None):
    """(key@ d k): value or nil when absent; (key@ d k v): store v, return d; (key@): {}."""
    if d is None:
        return {}
    _check_dict(d, "key@")
    if key is None:
        raise type_error("key@", "a key", key)
    k = dict_key(d, key)
    if value is None:
        return d.get(k)
    d[k] = value
    return d


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


_KEY_LISTS = {dict: Strings, DictI: Integers, DictN: Numbers}


@builtin("keys@", aliases=("containerkeys", "keys"))
def keys_at(d):
    """The keys of a dictionary, sorted (a `strings` list for string keys)."""
    keys = _sorted_keys(_check_dict(d, "keys@"))
    kind = _KEY_LISTS.get(type(d))
    return kind(keys) if kind else keys


@builtin("values@", aliases=("containervalues", "values"))
def values_at(d):
    """The values of a dictionary, in the order of its sorted keys."""
    _check_dict(d, "values@")
    return [d[k] for k in _sorted_keys(d)]
