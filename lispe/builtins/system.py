"""System builtins (spec §15): `command`, `sleep`, `file_exists`, `memory_size`, `throw`.

`command` runs a shell command and returns its standard output as a `strings` list of lines.
`memory_size` is the resident memory of the process in bytes.  `elapse`, `use`, `load` and
`eval` are special forms of the compiler.
"""

import os
import resource
import subprocess
import sys
import time

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin
from ..values import Strings
from ._common import as_number, check_str


@builtin("command")
def command(shell_command):
    """Run a shell command; its standard output as a list of lines."""
    check_str(shell_command, "command", "a shell command")
    sys.stdout.flush()
    result = subprocess.run(shell_command, shell=True, stdout=subprocess.PIPE,
                            encoding="utf-8", errors="replace")
    return Strings(result.stdout.splitlines())


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


@builtin("throw")
def throw(message):
    """Raise an error whose message is the printed form of the argument."""
    raise LispError(message if isinstance(message, str) else to_string(message))
