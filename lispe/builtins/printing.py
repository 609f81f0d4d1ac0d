"""Output (spec §4.3): `print`, `println`, `printerr`, `printerrln` write printed forms to
stdout / stderr (looked up at each call, so they can be redirected) and return the empty
atom; `prettify` returns the reference's indented rendering.  The look of every value is
`printer.py`'s.
"""

import sys

from ..printer import quote_string, to_string
from ..registry import builtin, lookup
from ..values import EMPTY, Symbol
from ._common import SEQUENCES, check_int


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


# prettify --------------------------------------------------------------------------------------
# As the reference: a structure whose printed form is shorter than `width` stays on one line,
# a longer one gets one element per line; code keeps a function's name and parameters, or a
# test, on the first line.  Lines are then indented by three blanks per open bracket.

_HEADED = frozenset(("defun", "defpat", "deflib", "defpred", "defprol"))
_LOOPS = frozenset(("loop", "mloop", "lloop"))
_TESTS = frozenset(("if", "check", "ncheck", "ife"))
_WITH_FIRST = frozenset(("while", "setq", "setg", "loopcount", "key", "keyn"))
_DICT_WIDTH = 50


def _instruction(x):
    return type(x) is Symbol and lookup(x) is not None


def _layout(value, width, out):
    """Append the unindented lines of `value` to the list of text pieces `out`."""
    if isinstance(value, SEQUENCES):
        _layout_list(list(value), width, out)
    elif isinstance(value, str) and type(value) is not Symbol:
        out.append(quote_string(value))
    elif isinstance(value, dict):
        _layout_dict(value, width, out)
    else:
        out.append(to_string(value, True))


def _line(text, out):
    out.append(text + "\n")


def _layout_list(items, width, out):
    if not items:
        out.append(" ()")
        return
    head = items[0]
    name = str(head) if type(head) is Symbol else None
    if name in _HEADED and len(items) > 2:
        _line(f"({name} {to_string(items[1], True)} {to_string(items[2], True)}", out)
        _layout_rest(items[3:], width, out)
        return
    if name in _LOOPS and len(items) > 2:
        out.append(f"({name} {to_string(items[1], True)} ")
        _layout_first(items[2], width, out, always=isinstance(items[2], SEQUENCES))
        _layout_rest(items[3:], width, out)
        return
    if name in _TESTS and len(items) > 1:
        out.append(f"({name} ")
        _layout_first(items[1], width, out)
        _layout_rest(items[2:], width, out)
        return
    text = to_string(items, True)
    if len(text) < width:
        _line(text, out)
        return
    if name in _WITH_FIRST and len(items) > 1:
        out.append(f"({name} ")
        _layout_first(items[1], width, out)
        _layout_rest(items[2:], width, out)
    elif _instruction(head):
        _line(f"({name}", out)
        _layout_rest(items[1:], width, out)
    else:
        _line("(", out)
        _layout_rest(items, width, out)


def _layout_first(item, width, out, always=False):
    """The argument kept on the form's first line (laid out on its own when too long)."""
    text = to_string(item, True)
    if always or len(text) >= width:
        if always:
            out.append("\n")
        _layout(item, width, out)
    else:
        _line(text, out)


def _layout_rest(items, width, out):
    for item in items:
        _layout(item, width, out)
        if not out[-1].endswith("\n"):
            out.append("\n")
    _line(")", out)


def _layout_dict(value, width, out):
    text = to_string(value, True)
    if len(text) < _DICT_WIDTH:
        out.append(text)
        return
    _line("{", out)
    for key in _sorted_keys(value):
        out.append((key if isinstance(key, str) else to_string(key, True)) + ":")
        _layout(value[key], width, out)
        if not out[-1].endswith("\n"):
            out.append("\n")
    _line("}", out)


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def _indented(text):
    """Indent each line by three blanks per bracket left open by the lines before it."""
    lines, depth = [], 0
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        opened, closed = _brackets(line)
        leading = len(line) - len(line.lstrip(")]}"))
        lines.append("   " * max(depth - leading, 0) + line)
        depth = max(depth + opened - closed, 0)
    return "\n".join(lines) + "\n"


def _brackets(line):
    """The numbers of opening and closing brackets of a line, outside string literals."""
    opened = closed = 0
    in_string = escaped = False
    for c in line:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "([{":
            opened += 1
        elif c in ")]}":
            closed += 1
    return opened, closed


@builtin("prettify")
def prettify(value, width=50):
    """The printed form of a value over several indented lines when it is long (lists or code
    shorter than width characters stay on one line); a string is given back as it is."""
    if isinstance(value, str) and type(value) is not Symbol:
        return value
    out = []
    _layout(value, check_int(width, "prettify", "a width"), out)
    return _indented("".join(out))
