"""LispE, the Lisp dialect, on Python.

    >>> from lispe import Lisp
    >>> Lisp().eval("(+ 1 2)")
    3
"""

__version__ = "0.1.0"

from .errors import LispError  # noqa: E402

__all__ = ["Lisp", "LispError", "__version__"]


def __getattr__(name):
    if name == "Lisp":
        from .interpreter import Lisp
        return Lisp
    raise AttributeError(name)
