"""Every instruction of the original interpreter exists here (tests/reference/instructions.txt is
the reference build's instruction table, one name per line).

Names that cannot have a meaning here are registered too, and calling them is an error that says
why (docs/differences.md lists them)."""

from pathlib import Path

import pytest

from lispe import Lisp
from lispe.errors import LispError
from lispe.registry import REGISTRY

INSTRUCTIONS = [line.strip() for line in
                (Path(__file__).parent / "reference" / "instructions.txt").read_text("utf-8").splitlines()
                if line.strip()]
REFUSED = {"deflib": "(deflib f (x))", "deflibpat": "(deflibpat f (x))",
           "asyncjs": '(asyncjs "x")', "evaljs": '(evaljs "x")'}


def test_the_table_is_the_whole_reference_table():
    assert len(INSTRUCTIONS) == 313


@pytest.mark.parametrize("name", INSTRUCTIONS)
def test_instruction_is_registered(name):
    Lisp()   # loads the core library
    assert name in REGISTRY, name
    assert REGISTRY[name].doc, name


@pytest.mark.parametrize("name, program", sorted(REFUSED.items()))
def test_refused_instructions_say_why(name, program):
    with pytest.raises(LispError, match=f"'{name}' is not available: "):
        Lisp().eval(program)
