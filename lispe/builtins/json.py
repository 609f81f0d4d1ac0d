"""JSON (spec §4.4, §13): `json` writes compact JSON (sorted keys, numbers printed as LispE
prints them, nil as null), `json_parse` reads it (integral numbers become integers, false and
null become nil), `json_read` parses a file, `json_write` writes `(json data)` to a file,
replacing it in one step.  Tensors and arrays are written as nested lists.
"""

import json as _json

from ..errors import LispError
from ..files import atomic_write
from ..printer import format_number, to_string
from ..registry import builtin
from ..values import Pair
from ._common import SEQUENCES, check_str
from .io import read_text


def to_json(v):
    """The compact JSON text of a LispE value."""
    t = type(v)
    if t is str:
        return _json.dumps(v, ensure_ascii=False)
    if t is int:
        return str(v)
    if t is float:
        return format_number(v)
    if v is None or v is False:
        return "null"
    if v is True:
        return "true"
    if isinstance(v, dict):
        keys = sorted(v, key=str) if all(isinstance(k, str) for k in v) else sorted(v)
        return "{" + ",".join(f"{_json.dumps(k if isinstance(k, str) else to_string(k))}:"
                              f"{to_json(v[k])}" for k in keys) + "}"
    if isinstance(v, (SEQUENCES, range)):
        return "[" + ",".join(to_json(x) for x in v) + "]"
    if isinstance(v, (set, frozenset)):
        return "[" + ",".join(to_json(x) for x in sorted(v)) + "]"
    if isinstance(v, Pair):
        return f"[{to_json(v.car)},{to_json(v.cdr)}]"
    if isinstance(v, str):
        return _json.dumps(str(v), ensure_ascii=False)
    if isinstance(v, (int, float)):
        return to_string(v)
    if callable(getattr(v, "tolist", None)):
        return to_json(v.tolist())
    return _json.dumps(to_string(v), ensure_ascii=False)


@builtin("json")
def json(value):
    """Compact JSON text of a value: {"k":v,...} with sorted keys, [a,b], null for nil."""
    return to_json(value)


def _number(text):
    value = float(text)
    return int(value) if value.is_integer() else value


def _lispe(v):
    """false -> nil in the parsed structure (true stays true)."""
    if v is False:
        return None
    if type(v) is list:
        return [_lispe(x) for x in v]
    if type(v) is dict:
        return {k: _lispe(x) for k, x in v.items()}
    return v


@builtin("json_parse")
def json_parse(text):
    """The LispE value of a JSON text: objects -> dictionaries, arrays -> lists."""
    check_str(text, "json_parse")
    try:
        return _lispe(_json.loads(text, parse_float=_number))
    except ValueError as e:
        raise LispError(f"Error: JSON: {e}", "json_parse") from None


@builtin("json_read")
def json_read(path):
    """The LispE value of the JSON file at path."""
    return json_parse(read_text(path, "json_read"))


@builtin("json_write")
def json_write(data, filename):
    """Write the JSON text of data and a newline to the file filename (replacing it in one
    step); returns true."""
    check_str(filename, "json_write", "a file path")
    try:
        with atomic_write(filename) as temporary, open(temporary, "w", encoding="utf-8") as f:
            f.write(to_json(data) + "\n")
    except OSError as e:
        raise LispError(f"Error: json_write: cannot write file '{filename}' "
                        f"({e.strerror or e})", "json_write") from None
    except UnicodeEncodeError as e:
        raise LispError("Error: json_write: the data holds a character that UTF-8 cannot "
                        f"encode (U+{ord(e.object[e.start]):04X})", "json_write") from None
    return True
