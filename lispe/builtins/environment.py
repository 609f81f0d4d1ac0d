"""Environment variables: `(getenv name (default))` and `(setenv name value)`.

As in the reference, a variable that is not set reads as the empty string; the optional
default (an extension the examples use) replaces it.
"""

import os

from ..printer import to_string
from ..registry import builtin


def _text(x):
    return x if isinstance(x, str) else to_string(x)


@builtin("getenv")
def getenv(name, default=""):
    """The value of environment variable name, or default ("") when it is not set."""
    return os.environ.get(_text(name), default)


@builtin("setenv")
def setenv(name, value):
    """Set environment variable name to value (its printed form); true."""
    os.environ[_text(name)] = _text(value)
    return True
