"""The special forms, one decorated function each (see ../table.py for the declaration).

definitions: defun, lambda, defmacro, class@ and its helpers; binding: setq and friends, let,
quote, block; control: conditionals, break/return, maybe/catch; loops: loop, loopcount, while,
mloop; modules: use, load, eval, elapse; patterns: defpat, defpred, data@, flip; threads:
dethread, threadspace, lock; spaces: defspace, space.
"""

from . import (binding, control, definitions, loops, modules, patterns, spaces,  # noqa: F401
               threads)  # (they declare the forms)
