"""System builtins (spec §15 and the reference's system module): `command`, `sleep`,
`file_exists`, `memory_size`, `memory_full_size`, `throw`, `os_version`, `ls`, `isdirectory`,
`realpath`, `fileinfo`, `exit`, `addr_`, `atoms`, `bodies`, `trace` and `__root__`.

`command` runs a shell command and returns its standard output as a `strings` list of lines,
each with its end of line, as the reference gives them.  `memory_size` is the resident memory
of this process in bytes, `memory_full_size` the memory in use on the machine, in bytes (the
reference answers in gigabytes on macOS and 0 elsewhere).  `fileinfo` describes a file with a
dictionary (`size`, `date`, `access`, `change` as dates, `pathname`, `directory`).  `addr_` is
the identity of a value (its address in CPython).  `elapse`, `use`, `load` and `eval` are
special forms of the compiler.
"""

import os
import platform
import resource
import subprocess
import sys
import time

from ..errors import LispError
from ..patterns import PatternFunction
from ..printer import to_string
from ..registry import REGISTRY, builtin
from ..runtime import is_lispe_code
from ..values import Strings, Symbol, truthy
from ._common import as_number, check_str
from .clock import Date

MISSING = object()


@builtin("command")
def command(shell_command):
    """Run a shell command; its standard output as a list of lines (ends of line kept)."""
    check_str(shell_command, "command", "a shell command")
    sys.stdout.flush()
    result = subprocess.run(shell_command, shell=True, stdout=subprocess.PIPE,
                            encoding="utf-8", errors="replace")
    return Strings(result.stdout.splitlines(keepends=True))


@builtin("sleep")
def sleep(milliseconds):
    """Pause for the given number of milliseconds; returns true."""
    delay = as_number(milliseconds, "sleep")
    if delay > 0:
        time.sleep(delay / 1000)
    return True


@builtin("file_exists")
def file_exists(path):
    """True when a file or directory exists at path."""
    return os.path.exists(check_str(path, "file_exists", "a file path"))


@builtin("memory_size")
def memory_size():
    """Resident memory of this process, in bytes."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


@builtin("memory_full_size")
def memory_full_size():
    """Memory in use on the whole machine, in bytes."""
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        kib = int(info["MemTotal"].split()[0]) - int(info["MemAvailable"].split()[0])
        return kib * 1024
    except (OSError, KeyError, ValueError):
        return memory_size()


@builtin("throw")
def throw(message):
    """Raise an error whose message is the printed form of the argument."""
    raise LispError(message if isinstance(message, str) else to_string(message))


@builtin("os_version")
def os_version():
    """The operating system: LINUX, MACOS or WINDOWS."""
    return {"Darwin": "MACOS", "Windows": "WINDOWS"}.get(platform.system(), "LINUX")


@builtin("ls")
def ls(path):
    """The entries of a directory (with the directory in front unless it is "."), or ()."""
    path = check_str(path, "ls", "a directory path")
    try:
        names = os.listdir(path)
    except OSError:
        return []
    prefix = "" if path in (".", "./") else path if path.endswith("/") else path + "/"
    return Strings(prefix + name for name in names)


@builtin("isdirectory")
def isdirectory(path):
    """True when path is a directory."""
    return os.path.isdir(check_str(path, "isdirectory", "a path"))


@builtin("realpath")
def realpath(path):
    """The absolute path, links resolved."""
    return os.path.realpath(check_str(path, "realpath", "a path"))


@builtin("fileinfo")
def fileinfo(path):
    """A dictionary describing a file (size, dates, pathname, directory), nil if none."""
    try:
        st = os.stat(check_str(path, "fileinfo", "a path"))
    except OSError:
        return None
    return {"size": st.st_size, "date": Date(st.st_mtime), "access": Date(st.st_atime),
            "change": Date(st.st_ctime), "pathname": path,
            "directory": os.path.isdir(path)}


@builtin("exit")
def exit_(value=0):
    """End the program at once with the given exit status."""
    sys.stdout.flush()
    raise SystemExit(int(as_number(value, "exit")))


@builtin("addr_")
def addr_(value):
    """The identity of a value: two names give the same number for the very same object."""
    return id(value)


@builtin("atoms")
def atoms():
    """The atoms known at this point: every function name, then the program's variables."""
    from ..interpreter import demangle
    frame = sys._getframe(1)
    names = dict.fromkeys(REGISTRY)
    names.update(dict.fromkeys(demangle(k) for k in frame.f_globals if k.startswith("v_")))
    return [Symbol(n) for n in names]


@builtin("bodies")
def bodies(function):
    """The clauses of a pattern or predicate function (defpat, defpred, defprol) as a list of
    one-clause functions, in the order they were defined; any other value is given back."""
    if isinstance(function, PatternFunction):
        return [_one_clause(function, clause) for clause in function.clauses]
    return function


def _one_clause(family, clause):
    """A pattern function made of one clause of `family`."""
    _, patterns, variables, body = clause
    return PatternFunction(family.lispe_name, family.kind, family.data_names).add(
        patterns, variables, body)


@builtin("__root__")
def root(*values):
    """The value of its last argument (the reference wraps a whole program in it)."""
    return values[-1] if values else None


# trace ----------------------------------------------------------------------------------------

_TRACE = {"on": False}


def _lispe_depth(frame):
    depth = 0
    while frame is not None:
        if is_lispe_code(frame.f_code) and frame.f_code.co_name not in ("<module>", "_rt_main"):
            depth += 1
        frame = frame.f_back
    return depth


def _traced_call(frame, event, arg):
    """Print each call of a LispE function: `(depth) (name arguments...)`."""
    code = frame.f_code
    if event == "call" and is_lispe_code(code) and code.co_name not in ("<module>", "_rt_main"):
        from ..interpreter import demangle
        name = demangle(code.co_name) if code.co_name.startswith("v_") else "λ"
        args = [to_string(frame.f_locals[n], True) for n in code.co_varnames[:code.co_argcount]]
        sys.stdout.write(f"({_lispe_depth(frame)}) ({' '.join([name, *args])})\n")
    return None


@builtin("trace")
def trace(on=MISSING):
    """With no argument, whether tracing is on; (trace true) prints every call of a LispE
    function from then on, (trace nil) stops."""
    if on is not MISSING:
        _TRACE["on"] = truthy(on)
        sys.settrace(_traced_call if _TRACE["on"] else None)
    return _TRACE["on"]
