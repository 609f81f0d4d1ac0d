"""Programs whose expected output is the reference interpreter's (tests/reference/README.md).

Each program runs in-process through `lispe.cli.main`, as `lispe NAME.lisp` in an empty folder,
and what it prints is compared exactly with the reference's output.
"""

import contextlib
import io
import os
import re
import shutil
from pathlib import Path

import pytest

from lispe import cli

HERE = Path(__file__).parent / "reference"
PROGRAMS = sorted(HERE.glob("*.lisp")) + sorted((HERE / "errors").glob("*.lisp"))


def run_in_process(path, folder):
    """(stdout, stderr, status) of `lispe NAME.lisp` run in `folder`."""
    shutil.copy(path, folder / path.name)
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli.main([path.name])
    finally:
        os.chdir(cwd)
    prefix = str(folder) + os.sep
    return out.getvalue().replace(prefix, ""), err.getvalue().replace(prefix, ""), status


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_reference_program(path, tmp_path):
    expected = path.with_suffix(".out").read_text(encoding="utf-8")
    out, err, status = run_in_process(path, tmp_path)
    lines = expected.rstrip("\n").split("\n")
    error = re.match(r"(.*), line: (\d+) in: ", lines[-1])
    if error is None:
        assert out == expected, err
        return
    assert status == 1, out
    assert out == "".join(line + "\n" for line in lines[:-1])
    assert error.group(1) in err and f"line: {error.group(2)}" in err, err
