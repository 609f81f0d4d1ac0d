"""Environment variables: `(getenv name (default))` (an extension used by the examples)."""

import os

from ..registry import builtin


@builtin("getenv")
def getenv(name, default=None):
    """The value of environment variable name, or default (nil) when it is not set."""
    return os.environ.get(str(name), default)
