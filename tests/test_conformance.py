"""The language conformance suite: every case in tests/conformance/*.txt runs through the
`lispe` command (in-process, see conftest.lispe_command), and its standard output is compared
exactly.

Case format (one file holds many cases):

    === §6.3 setq returns true
    (println (setq x 3))
    ---
    true
    true
    --- stderr
    text that must appear in stderr (the case must then exit with status 1)

Everything after `---` up to the next `===` (or `--- stderr`) is the expected stdout; trailing
blank lines of the block and of the output are not significant, every other line is.
"""

from pathlib import Path

import pytest

HERE = Path(__file__).parent / "conformance"


def parse_cases(path):
    cases, current, section = [], None, None
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("==="):
            current = {"title": line[3:].strip(), "program": [], "stdout": [], "stderr": []}
            cases.append(current)
            section = "program"
        elif current is None:
            continue
        elif line.strip() == "---" and section == "program":
            section = "stdout"
        elif line.strip() == "--- stderr":
            section = "stderr"
        else:
            current[section].append(line)
    return cases


def all_cases():
    for path in sorted(HERE.glob("*.txt")):
        for case in parse_cases(path):
            yield pytest.param(case, id=f"{path.stem}: {case['title']}")


@pytest.mark.parametrize("case", list(all_cases()))
def test_case(case, tmp_path, lispe_command):
    source = tmp_path / "case.lisp"
    source.write_text("\n".join(case["program"]) + "\n", encoding="utf-8")
    result = lispe_command(source, cwd=tmp_path, env={"LISPE_DEBUG": "0"})
    expected = "\n".join(case["stdout"]).rstrip("\n")
    assert result.stdout.rstrip("\n") == expected, result.stderr
    wanted_errors = [line for line in case["stderr"] if line.strip()]
    if wanted_errors:
        assert result.returncode == 1
        for line in wanted_errors:
            assert line.strip() in result.stderr
        assert "Traceback" not in result.stderr
    else:
        assert result.returncode == 0, result.stderr
