"""Every name of the torch spec's master index (§2) is registered, under the right library.

One test case per name, so that a failure lists exactly the names still missing.  The
Tiktoken family belongs to `lispe_tiktoken`, every other family to `lispe_torch`.
"""

import re
from pathlib import Path

import pytest

from lispe.registry import LIBRARIES, load_library, lookup

SPEC = Path(__file__).parents[2] / "shared/spec/torch-api.md"
ROW = re.compile(r"^\| `(?P<name>[A-Za-z0-9_]+)` \| (?P<family>[^|]+?) \|")


def master_index():
    """(name, family) for each row of the table under '## 2. Master index'."""
    text = SPEC.read_text(encoding="utf-8")
    section = text.split("## 2. Master index", 1)[1].split("\n## ", 1)[0]
    return [(m["name"], m["family"]) for m in map(ROW.match, section.splitlines()) if m]


def expected_library(family):
    return "lispe_tiktoken" if family.startswith("Tiktoken") else "lispe_torch"


def import_failures():
    """Load every library; a library that does not import yet is reported, not fatal."""
    failures = {}
    for name in LIBRARIES:
        try:
            load_library(name)
        except Exception as e:  # noqa: BLE001 - reported by the tests of that library's names
            failures[name] = f"{type(e).__name__}: {e}"
    return failures


INDEX = master_index()
FAILURES = import_failures()


def test_master_index_parsed():
    assert len(INDEX) == 296   # the spec's own count
    assert len({name for name, _ in INDEX}) == len(INDEX)


@pytest.mark.parametrize("name, family", INDEX, ids=[name for name, _ in INDEX])
def test_registered(name, family):
    library = expected_library(family)
    entry = lookup(name)
    hint = f" (library {library} failed to import: {FAILURES[library]})" if library in FAILURES else ""
    assert entry is not None, f"{name} ({family}) is not registered{hint}"
    assert entry.library == library, f"{name} is registered in {entry.library}, expected {library}"
    assert entry.doc, f"{name} has no one-line doc"
