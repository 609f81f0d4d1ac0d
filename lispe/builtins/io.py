"""Files and standard input (spec §15): `fread`, `fwrite`, `fappend`, `input`/`input@`.

Files are UTF-8; bytes that are not valid UTF-8 read as U+FFFD instead of failing.  A file
that cannot be read or written raises an error naming the path.  `input` returns nil at the
end of standard input.  Printing is in `printing.py`.
"""

import sys

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin
from ._common import check_str


def read_text(path, fname):
    """The whole UTF-8 text of the file at path, or a LispError naming the path."""
    check_str(path, fname, "a file path")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError as e:
        raise LispError(f"Error: {fname}: cannot read file '{path}' ({e.strerror})",
                        fname) from None


def _write(path, text, mode, fname):
    check_str(path, fname, "a file path")
    try:
        with open(path, mode, encoding="utf-8") as f:
            f.write(text if type(text) is str else to_string(text))
    except OSError as e:
        raise LispError(f"Error: {fname}: cannot write file '{path}' ({e.strerror})",
                        fname) from None
    return True


@builtin("fread")
def fread(path):
    """The content of the file at path, as a string."""
    return read_text(path, "fread")


@builtin("fwrite")
def fwrite(path, text):
    """Write text to the file at path (replacing its content); returns true."""
    return _write(path, text, "w", "fwrite")


@builtin("fappend")
def fappend(path, text):
    """Append text to the file at path; returns true."""
    return _write(path, text, "a", "fappend")


@builtin("input", aliases=("input@",))
def input_():
    """One line read from standard input, without its newline; nil at end of input."""
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        return None
    return line[:-1] if line.endswith("\n") else line
