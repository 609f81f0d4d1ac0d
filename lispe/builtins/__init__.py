"""The core library: importing this package registers every core builtin (and, through the
compiler, the special forms, so that the registry lists the whole core language)."""

import importlib
import pkgutil

from .. import compiler  # noqa: F401  (registers the special forms)

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
