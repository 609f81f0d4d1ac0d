"""The `lispe` command as a user runs it: files, -e, --list, --doc, --version, the REPL on a
pipe, errors; and the generated reference is up to date."""

import subprocess
import sys

from lispe.docgen import reference, TARGET


def lispe(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "lispe.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_run_file_with_arguments(tmp_path):
    program = tmp_path / "p.lisp"
    program.write_text('(println (@ _args 1) (size _args))\n(+ 40 2)\n')
    result = lispe(str(program), "hello")
    assert result.returncode == 0
    assert result.stdout == "hello 2\n42\n"


def test_current_is_the_program_directory(tmp_path):
    program = tmp_path / "p.lisp"
    program.write_text("_current")
    assert lispe(str(program)).stdout.strip() == str(tmp_path) + "/"


def test_eval_option():
    result = lispe("-e", "(* 6 7)")
    assert (result.returncode, result.stdout) == (0, "42\n")


def test_version_and_help():
    assert lispe("--version").stdout.startswith("lispe ")
    assert "REPL" in lispe("--help").stdout


def test_list_includes_libraries_not_loaded():
    lines = lispe("--list").stdout.splitlines()
    pairs = {tuple(line.split("\t")) for line in lines}
    assert ("println", "core") in pairs
    assert ("setq", "core") in pairs
    assert any(lib == "lispe_torch" for _, lib in pairs)
    assert any(lib == "lispe_tiktoken" for _, lib in pairs)
    assert all(len(line.split("\t")) == 2 for line in lines)


def test_doc_known_and_unknown():
    result = lispe("--doc", "push")
    assert result.returncode == 0 and "(push" in result.stdout
    result = lispe("--doc", "pushh")
    assert result.returncode == 1 and "push" in result.stderr


def test_repl_reads_multi_line_input_from_a_pipe():
    result = lispe(stdin="(defun sq (x)\n  (* x x))\n(sq 5)\n(car '())\n")
    assert result.returncode == 0
    assert "25" in result.stdout.split()


def test_repl_reports_errors_and_goes_on():
    result = lispe(stdin="(/ 1 0)\n(+ 1 1)\n")
    assert "division by zero" in result.stderr
    assert result.stdout.split()[-1] == "2"


def test_uncaught_error_is_one_line_on_stderr(tmp_path):
    program = tmp_path / "p.lisp"
    program.write_text('(println "ok")\n(defun f (x) (+ x "a"))\n(f 1)\n')
    result = lispe(str(program))
    assert result.returncode == 1
    assert result.stdout == "ok\n"
    assert len(result.stderr.strip().splitlines()) == 1
    assert "line: 2" in result.stderr and str(program) in result.stderr and "+" in result.stderr


def test_missing_file():
    result = lispe("/nonexistent/file.lisp")
    assert result.returncode == 1
    assert "cannot read file" in result.stderr
    assert "Traceback" not in result.stderr


def test_reference_is_up_to_date():
    assert TARGET.read_text(encoding="utf-8") == reference(), "run: python -m lispe.docgen"
