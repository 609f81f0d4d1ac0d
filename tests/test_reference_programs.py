"""Programs whose expected output is the reference interpreter's (tests/reference/README.md).

Each program runs in-process as `lispe NAME.lisp` in an empty folder (conftest.lispe_command),
and what it prints is compared exactly with the reference's output.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "reference"
PROGRAMS = sorted(HERE.glob("*.lisp")) + sorted((HERE / "errors").glob("*.lisp"))


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_reference_program(path, tmp_path, lispe_command):
    expected = path.with_suffix(".out").read_text(encoding="utf-8")
    shutil.copy(path, tmp_path / path.name)
    result = lispe_command(path.name, cwd=tmp_path)
    prefix = str(tmp_path) + os.sep
    out, err, status = (result.stdout.replace(prefix, ""), result.stderr.replace(prefix, ""),
                        result.returncode)
    lines = expected.rstrip("\n").split("\n")
    error = re.match(r"(.*), line: (\d+) in: ", lines[-1])
    if error is None:
        assert out == expected, err
        return
    assert status == 1, out
    assert out == "".join(line + "\n" for line in lines[:-1])
    assert error.group(1) in err and f"line: {error.group(2)}" in err, err
