"""Files and standard input (spec §15): `fread`, `fwrite`, `fappend`, `input`/`input@`.

Files are UTF-8; bytes that are not valid UTF-8 read as U+FFFD instead of failing, and a
byte-order mark at the start is dropped.  `fwrite` replaces a file in one step (`files.py`),
so a kill during the write leaves the previous content; `fappend` appends in place.  A file
that cannot be read or written raises an error naming the path.  `input` returns nil at the
end of standard input.  Printing is in `printing.py`.
"""

import sys

from ..errors import LispError
from ..files import atomic_write
from ..printer import to_string
from ..registry import builtin
from ._common import check_str


def read_text(path, fname):
    """The whole UTF-8 text of the file at path, or a LispError naming the path."""
    check_str(path, fname, "a file path")
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            return f.read()
    except OSError as e:
        raise LispError(f"Error: {fname}: cannot read file '{path}' ({e.strerror})",
                        fname) from None


def _write(path, text, fname, append=False):
    check_str(path, fname, "a file path")
    text = text if type(text) is str else to_string(text)
    try:
        if append:
            _write_text(path, text, "a")
        else:
            with atomic_write(path) as temporary:
                _write_text(temporary, text, "w")
    except OSError as e:
        raise LispError(f"Error: {fname}: cannot write file '{path}' ({e.strerror or e})",
                        fname) from None
    except UnicodeEncodeError as e:
        raise LispError(f"Error: {fname}: the text holds a character that UTF-8 cannot "
                        f"encode (U+{ord(e.object[e.start]):04X})", fname) from None
    return True


def _write_text(path, text, mode):
    with open(path, mode, encoding="utf-8") as f:
        f.write(text)


@builtin("fread")
def fread(path):
    """The content of the file at path, as a string."""
    return read_text(path, "fread")


@builtin("fwrite")
def fwrite(path, text):
    """Write text to the file at path (replacing its content); returns true."""
    return _write(path, text, "fwrite")


@builtin("fappend")
def fappend(path, text):
    """Append text to the file at path; returns true."""
    return _write(path, text, "fappend", append=True)


@builtin("input", aliases=("input@", "pipe"))
def input_(prompt=None):
    """One line read from standard input, without its newline; nil at end of input.  The
    prompt, when given, is printed first."""
    if prompt is not None:
        sys.stdout.write(prompt if isinstance(prompt, str) else to_string(prompt))
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        return None
    return line[:-1] if line.endswith("\n") else line
