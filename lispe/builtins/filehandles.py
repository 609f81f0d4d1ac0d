"""Open files: the core's file handles (`fopen`, `fclose`, `fgetchars`, `fputchars`, `fseek`,
`ftell`, `fsize`), the system library's streams (`file`, `file_read`, `file_readline`,
`file_readlist`, `file_getchar`, `file_getstruct`, `file_write`, `file_writeln`,
`file_seek`, `file_tell`, `file_eof`, `file_close`), the byte files (`bread`, `bwrite`,
`bappend`) and `getchar`.  Whole text files are in `io.py`.

Files are read and written as UTF-8; positions (`ftell`, `fseek`, `file_tell`) count bytes.
A stream opened with 'w', like `bwrite`, writes beside its file and replaces it in one step
when it is closed (DECISIONS.md 11; streams left open are closed at exit); 'a' appends in
place.  Reading gives the file's text as it is: the reference adds a newline after the last
line (docs/differences.md).
"""

import atexit
import os
import sys
import weakref

from ..errors import LispError
from ..files import atomic_write
from ..printer import quote_string
from ..registry import builtin
from ..values import Shorts, Strings, Symbol
from ._common import SEQUENCES, check_int, check_str
from .strings import Stringbyte, getstruct, text

_OPEN_STREAMS = weakref.WeakSet()


class FileHandle:
    """An open file: `file_element_` for fopen's handles, `file_` for the system streams."""

    def __init__(self, path, mode, kind, fname):
        self.path, self.mode, self.kind = path, mode, kind
        self._commit = None
        binary = mode.replace("t", "").replace("b", "") + "b"
        try:
            if binary.startswith("w"):
                self._commit = atomic_write(path)
                target = self._commit.__enter__()
                self.f = open(target, binary)
            else:
                self.f = open(path, binary)
        except OSError as e:
            raise LispError(f"Error: cannot open file: {path} ({e.strerror})", fname) from None
        _OPEN_STREAMS.add(self)

    def lisp_type(self):
        """The type atom: file_element_ (fopen) or file_ (file)."""
        return self.kind

    def __str__(self):
        return self.path if self.kind == "file_" else ""

    @property
    def closed(self):
        return self.f.closed

    def reading(self):
        return "r" in self.mode or "+" in self.mode

    def writing(self):
        return not self.mode.startswith("r") or "+" in self.mode

    def close(self):
        """Close the file (a file opened with 'w' replaces its target now); False if closed."""
        if self.f.closed:
            return False
        self.f.close()
        if self._commit is not None:
            commit, self._commit = self._commit, None
            commit.__exit__(None, None, None)
        return True

    def __iter__(self):
        """The remaining lines, each with its newline (`loop` over a stream reads its lines)."""
        if self.mode != "r" or self.f.closed:
            raise LispError("Error: expecting 'stream' to be in 'read' mode", "loop")
        for line in self.f:
            yield line.decode("utf-8", errors="replace")

    def read_char(self):
        """One character (its UTF-8 bytes decoded), "" at the end of the file."""
        first = self.f.read(1)
        if not first:
            return ""
        size = 1 if first[0] < 0xC0 else 2 if first[0] < 0xE0 else 3 if first[0] < 0xF0 else 4
        return (first + self.f.read(size - 1)).decode("utf-8", errors="replace")


@atexit.register
def _close_open_streams():
    for handle in list(_OPEN_STREAMS):
        handle.close()


def _handle(value, kind, fname):
    if not isinstance(value, FileHandle) or value.kind != kind:
        message = "Error: Not a file element" if kind == "file_element_" \
            else "Error: missing 'file' stream"
        raise LispError(message, fname)
    if value.closed:
        raise LispError(f"Error: {fname}: the file '{value.path}' is closed", fname)
    return value


# ------------------------------------------------------------------ core file handles

@builtin("fopen")
def fopen(path, mode="r"):
    """Open a file (mode as C's fopen: "r", "w", "a", "r+"...; "r" by default)."""
    mode = text(mode)
    if not mode or mode[0] not in "rwa" or set(mode[1:]) - set("+bt"):
        raise LispError(f"Error: fopen: unknown mode {quote_string(mode)} (r, w, a, r+, w+, a+)",
                        "fopen")
    return FileHandle(check_str(path, "fopen", "a file path"), mode, "file_element_", "fopen")


@builtin("fclose")
def fclose(handle):
    """Close a file opened with fopen; returns true."""
    _handle(handle, "file_element_", "fclose").close()
    return True


@builtin("fseek")
def fseek(handle, nb):
    """Move to byte nb of the file; returns true."""
    _handle(handle, "file_element_", "fseek").f.seek(check_int(nb, "fseek"))
    return True


@builtin("ftell")
def ftell(handle):
    """The current byte position in the file."""
    return _handle(handle, "file_element_", "ftell").f.tell()


@builtin("fgetchars")
def fgetchars(handle, nb):
    """The next nb bytes of the file, as a stringbyte (UTF-8 decoded)."""
    h = _handle(handle, "file_element_", "fgetchars")
    if not h.reading():
        raise LispError("Error: fgetchars: the file is not open for reading", "fgetchars")
    return Stringbyte(h.f.read(max(0, check_int(nb, "fgetchars"))).decode("utf-8", "replace"))


@builtin("fputchars")
def fputchars(handle, string):
    """Write a string at the current position; nil when the file is open for reading only."""
    h = _handle(handle, "file_element_", "fputchars")
    if not h.writing():
        return False
    h.f.write(text(string).encode("utf-8"))
    return True


@builtin("fsize")
def fsize(handle):
    """The size in bytes of a file (a handle or a path); -1 when it does not exist."""
    if isinstance(handle, FileHandle):
        if not handle.closed:
            handle.f.flush()
        return os.fstat(handle.f.fileno()).st_size if not handle.closed else \
            os.path.getsize(handle.path)
    try:
        return os.path.getsize(text(handle))
    except OSError:
        return -1


# ------------------------------------------------------------------ byte files

def _bytes_of(values, fname):
    if not isinstance(values, SEQUENCES):
        raise LispError("Error: Expecting a list of numerical values", fname)
    return bytes(check_int(v, fname, "a byte") & 0xFF for v in values)


def _write_failure(fname, path, e):
    return LispError(f"Error: Cannot write in file: {path} ({e.strerror or e})", fname)


@builtin("bread")
def bread(path):
    """The bytes of a file, as a `shorts` list."""
    path = check_str(path, "bread", "a file path")
    try:
        with open(path, "rb") as f:
            return Shorts(f.read())
    except OSError as e:
        raise LispError(f"Error: Unknown file: {path} ({e.strerror})", "bread") from None


@builtin("bwrite")
def bwrite(path, values):
    """Write a list of bytes (0-255) as the content of a file; returns true."""
    path = check_str(path, "bwrite", "a file path")
    data = _bytes_of(values, "bwrite")
    try:
        with atomic_write(path) as temporary, open(temporary, "wb") as f:
            f.write(data)
    except OSError as e:
        raise _write_failure("bwrite", path, e) from None
    return True


@builtin("bappend")
def bappend(path, values):
    """Append a list of bytes (0-255) to a file; returns true."""
    path = check_str(path, "bappend", "a file path")
    data = _bytes_of(values, "bappend")
    try:
        with open(path, "ab") as f:
            f.write(data)
    except OSError as e:
        raise _write_failure("bappend", path, e) from None
    return True


@builtin("getchar")
def getchar():
    """One character typed on the keyboard (read without echo on a terminal); "" at the end
    of the input."""
    sys.stdout.flush()
    stream = sys.stdin
    if not stream.isatty():
        return stream.read(1)
    import termios
    import tty
    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        return stream.read(1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


# ------------------------------------------------------------------ system streams

_MODES = {"r": "r", "w": "w", "a": "a"}


@builtin("file")
def file_(path, mode=Symbol("r")):
    """A stream on a file: mode 'r (read, by default), 'w (write) or 'a (append)."""
    if not isinstance(mode, Symbol) or str(mode) not in _MODES:
        raise LispError("Error: could not open a file", "file")
    return FileHandle(text(path), _MODES[str(mode)], "file_", "file")


def _stream(value, fname, reading):
    h = _handle(value, "file_", fname)
    if reading and h.mode != "r":
        raise LispError("Error: expecting 'stream' to be in 'read' mode", fname)
    if not reading and h.mode == "r":
        raise LispError("Error: expecting 'stream' to be in 'write' mode", fname)
    return h


def _decode(data):
    return data.decode("utf-8", errors="replace")


@builtin("file_close")
def file_close(stream):
    """Close a stream; true if it was open, nil if it was already closed."""
    if not isinstance(stream, FileHandle) or stream.kind != "file_":
        raise LispError("Error: missing 'file' stream", "file_close")
    return stream.close()


@builtin("file_eof")
def file_eof(stream):
    """True when a reading stream is at the end of its file."""
    h = _handle(stream, "file_", "file_eof")
    if h.mode != "r":
        return False
    here = h.f.tell()
    at_end = not h.f.read(1)
    h.f.seek(here)
    return at_end


@builtin("file_read")
def file_read(stream, nb=-1):
    """The next nb characters of a stream, or (nb -1) all the rest of the file."""
    h = _stream(stream, "file_read", True)
    n = check_int(nb, "file_read")
    if n < 0:
        return _decode(h.f.read())
    return "".join(h.read_char() for _ in range(n))


@builtin("file_readline")
def file_readline(stream):
    """The next line of a stream, with its newline; "" at the end of the file."""
    return _decode(_stream(stream, "file_readline", True).f.readline())


@builtin("file_readlist")
def file_readlist(stream):
    """The remaining lines of a stream (without their newlines); the stream is closed."""
    h = _stream(stream, "file_readlist", True)
    lines = Strings(_decode(h.f.read()).split("\n"))
    h.close()
    return lines


@builtin("file_getchar")
def file_getchar(stream):
    """The next character of a stream ("" at the end)."""
    return _stream(stream, "file_getchar", True).read_char()


@builtin("file_getstruct")
def file_getstruct(stream, opening, close):
    """The next balanced open...close structure of a stream (strings inside are skipped);
    nil when there is none before the end of the file."""
    h = _stream(stream, "file_getstruct", True)
    start = h.f.tell()
    rest = _decode(h.f.read())
    found = getstruct(rest, opening, close)
    if found is None:
        return None
    structure, _, end = found
    h.f.seek(start + len(rest[:end].encode("utf-8")))
    return structure


@builtin("file_seek")
def file_seek(stream, nb, off=0):
    """Move a stream to byte nb from the start (off 0), the current position (1) or the end
    (2); returns true."""
    h = _handle(stream, "file_", "file_seek")
    h.f.seek(check_int(nb, "file_seek"), min(2, max(0, check_int(off, "file_seek"))))
    return True


@builtin("file_tell")
def file_tell(stream):
    """The byte position of a stream."""
    return _handle(stream, "file_", "file_tell").f.tell()


@builtin("file_write")
def file_write(stream, string):
    """Write the printed form of a value to a writing stream; returns true."""
    _stream(stream, "file_write", False).f.write(text(string).encode("utf-8"))
    return True


@builtin("file_writeln")
def file_writeln(stream, string):
    """Write the printed form of a value and a newline; returns true."""
    _stream(stream, "file_writeln", False).f.write((text(string) + "\n").encode("utf-8"))
    return True
