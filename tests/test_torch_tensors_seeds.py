"""Every seed example of the tensor, sampling, device and utility families runs as LispE.

The examples are read from the seed manuals themselves: a ```lisp block qualifies when every
library function it calls belongs to those families.  A block runs after the earlier qualifying
blocks of the same seed (the manuals build on previous snippets), plus `PRELUDE` for the few
variables a manual uses without ever defining them.  Documented results are checked in
`test_documented_results`.
"""

import re
from pathlib import Path

import pytest

from lispe import Lisp
from lispe.errors import LispError

SEEDS = Path(__file__).parents[2] / "shared/seeds"
SPEC = Path(__file__).parents[2] / "shared/spec/torch-api.md"
FAMILIES = ("Tensor", "Sampling", "Device and GPU", "Utility")

# variables that a seed uses in a block but never defines anywhere (seed, first line of block)
PRELUDE = {
    ("000", 1271): "(setq c (tensor_randn (integers 3 3))) (setq d (tensor_ones (integers 3 3)))",
    ("001", 356): "(setq tensor (torch_randn (integers 2 32 512)))",
    ("003", 634): "(setq input_tensor (tensor_randn (integers 4 8)))",
}

def library_names():
    """name -> family, from the master index of the torch spec."""
    index = SPEC.read_text(encoding="utf-8").split("## 2. Master index", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", index, re.M))


def qualifying_blocks():
    """(seed, line, code) of each seed block whose library calls are all in FAMILIES."""
    families = library_names()
    blocks = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"```lisp\n(.*?)```", text, re.S):
            code = match.group(1)
            calls = {n for n in re.findall(r"\((\w+)", code) if n in families}
            if calls and all(families[n].startswith(FAMILIES) for n in calls):
                line = text.count("\n", 0, match.start()) + 2
                blocks.append((path.name[:3], line, code))
    return blocks


BLOCKS = qualifying_blocks()


def run(seed, line, code):
    """Run the earlier blocks of `seed` (errors ignored), then `code`; returns the interpreter."""
    lisp = Lisp()
    lisp.eval("(use 'lispe_torch)")
    for other_seed, other_line, other in BLOCKS:
        if other_seed == seed and other_line < line:
            try:
                lisp.eval(other)
            except LispError:
                pass
    lisp.eval(PRELUDE.get((seed, line), ""))
    lisp.eval(code)
    return lisp


def test_blocks_found():
    assert len(BLOCKS) >= 25


@pytest.mark.parametrize("seed, line, code", BLOCKS, ids=[f"{s}:{n}" for s, n, _ in BLOCKS])
def test_seed_block_runs(seed, line, code):
    run(seed, line, code)


def test_documented_results():
    lisp = run(*next(b for b in BLOCKS if b[:2] == ("001", 396)))   # first, last: builtin names
    assert [lisp.eval(v) for v in ("first", "third", "last", "second_last")] == [10, 30, 50, 40]
    assert abs(lisp.eval("decimal") - 2.7) < 1e-6
    lisp = run(*next(b for b in BLOCKS if b[:2] == ("002", 219)))
    assert (lisp.eval("first_element"), lisp.eval("last_element")) == (10, 50)
    assert list(lisp.eval("tensor_shape")) == [5]
    assert list(lisp.eval("(torch_shape transposed)")) == [512, 64, 8]
    lisp = run(*next(b for b in BLOCKS if b[:2] == ("001", 356)))
    assert list(lisp.eval("(torch_size transposed)")) == [2, 8, 32, 64]
    lisp = run(*next(b for b in BLOCKS if b[:2] == ("001", 178)))
    assert list(lisp.eval("(tensor_to_list t3)")) == [1, 2, 3, 4, 5]
    assert list(lisp.eval("(tensor_shape t2)")) == [0, 1, 2]
