"""A call with too many arguments names the function that was called: builtins made by one
Python factory (the maths functions, the rgx/prgx families, integers/strings...) share their
Python name, yet each error names its own LispE function (registry._own_code)."""

import pytest

from lispe import Lisp
from lispe.errors import LispError
from lispe.registry import REGISTRY

LISP = Lisp()
BOUNDED = sorted({e.name for e in REGISTRY.values()
                  if e.library == "core" and not e.special and e.max_args is not None
                  and hasattr(e.func, "__code__")})


def test_the_shared_factories_are_covered():
    assert {"tan", "sqrt", "rgx_findall", "prgx_findall", "findall", ">=<", "year"} <= set(BOUNDED)


@pytest.mark.parametrize("name", BOUNDED)
def test_too_many_arguments_name_the_function(name):
    entry = REGISTRY[name]
    call = f"({name} {' '.join(['1'] * (entry.max_args + 1))})"
    with pytest.raises(LispError) as caught:
        LISP.eval(call)
    assert f"'{name}'" in str(caught.value), (call, str(caught.value))
