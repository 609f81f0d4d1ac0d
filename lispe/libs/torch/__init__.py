"""lispe_torch: importing this package registers every function of every family module."""

import importlib
import pkgutil

from . import threads  # noqa: F401 - first: it sets how OpenMP threads wait before torch loads

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
