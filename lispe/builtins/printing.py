"""Output (spec §4.3): `print`, `println`, `printerr`, `printerrln` write printed forms to
stdout / stderr (looked up at each call, so they can be redirected) and return the empty
atom; `prettify` returns an indented rendering.  The look of every value is `printer.py`'s.
"""

import sys

from ..printer import to_string
from ..registry import builtin
from ..values import EMPTY
from ._common import SEQUENCES


def _text(args, sep):
    return sep.join(x if type(x) is str else to_string(x) for x in args)


@builtin("print")
def print_(*values):
    """Write the values to stdout, with no separator and no newline."""
    sys.stdout.write(_text(values, ""))
    return EMPTY


@builtin("println")
def println(*values):
    """Write the values to stdout separated by spaces, then a newline."""
    sys.stdout.write(_text(values, " ") + "\n")
    return EMPTY


@builtin("printerr")
def printerr(*values):
    """Write the values to stderr, with no separator and no newline."""
    sys.stderr.write(_text(values, ""))
    return EMPTY


@builtin("printerrln")
def printerrln(*values):
    """Write the values to stderr separated by spaces, then a newline."""
    sys.stderr.write(_text(values, " ") + "\n")
    return EMPTY


_WIDTH = 60


def _pretty(value, indent):
    text = to_string(value, True)
    if len(text) + len(indent) <= _WIDTH:
        return text
    inner = indent + "  "
    if isinstance(value, dict):
        lines = [f"{inner}{to_string(k, True)}:{_pretty(value[k], inner)}"
                 for k in sorted(value, key=to_string)]
        return "{\n" + "\n".join(lines) + f"\n{indent}}}"
    if isinstance(value, SEQUENCES) and len(value):
        if any(isinstance(x, (SEQUENCES, dict)) for x in value):
            lines = [inner + _pretty(x, inner) for x in value]
        else:
            lines = [inner + line for line in _packed(value, _WIDTH - len(inner))]
        return "(\n" + "\n".join(lines) + f"\n{indent})"
    return text


def _packed(values, width):
    """The printed forms of scalar values, packed into lines of at most `width` characters."""
    lines, current = [], ""
    for word in (to_string(x, True) for x in values):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines


@builtin("prettify")
def prettify(value):
    """An indented multi-line rendering of a structure (one element per line when long)."""
    if isinstance(value, str):
        return value
    return _pretty(value, "")
