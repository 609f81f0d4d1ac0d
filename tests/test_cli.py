"""The `lispe` command as a user runs it: files, -e, --list, --doc, --version, the REPL on a
pipe, errors; the generated reference and function index are up to date; --doc, --list and
programs that do not use torch start without importing it.

The tests marked "real command" start `python -m lispe.cli`; the others run the same `main`
in this process (the `lispe_command` fixture of conftest.py).
"""

import json
import subprocess
import sys

from lispe.docgen import TARGET, function_index, reference
from lispe.registry import INDEX


def real_lispe(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "lispe.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_run_file_with_arguments(tmp_path):  # real command
    program = tmp_path / "p.lisp"
    program.write_text('(println (@ _args 1) (size _args))\n(+ 40 2)\n')
    result = real_lispe(str(program), "hello")
    assert result.returncode == 0
    assert result.stdout == "hello 2\n42\n"


def test_eval_option():  # real command
    result = real_lispe("-e", "(* 6 7)")
    assert (result.returncode, result.stdout) == (0, "42\n")


def test_repl_reads_multi_line_input_from_a_pipe():  # real command
    result = real_lispe(stdin="(defun sq (x)\n  (* x x))\n(sq 5)\n(car '())\n")
    assert result.returncode == 0
    assert "25" in result.stdout.split()


def test_uncaught_error_is_one_line_on_stderr(tmp_path):  # real command
    program = tmp_path / "p.lisp"
    program.write_text('(println "ok")\n(defun f (x) (+ x "a"))\n(f 1)\n')
    result = real_lispe(str(program))
    assert result.returncode == 1
    assert result.stdout == "ok\n"
    assert len(result.stderr.strip().splitlines()) == 1
    assert "line: 2" in result.stderr and str(program) in result.stderr and "+" in result.stderr


def test_doc_list_and_plain_programs_do_not_import_torch(tmp_path):  # real command
    program = tmp_path / "p.lisp"
    program.write_text('(+ 1 2)\n')
    code = ("import sys\nfrom lispe.cli import main\n"
            f"main(['--list']); main(['--doc', 'tensor_add']); main([{str(program)!r}])\n"
            "print(sorted(m for m in ('torch', 'transformers', 'numpy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "tensor_add\tlispe_torch" in lines and "(tensor_add tensor1 tensor2)" in lines
    assert lines[-2:] == ["3", "[]"]


def test_current_is_the_program_directory(tmp_path, lispe_command):
    program = tmp_path / "p.lisp"
    program.write_text("_current")
    assert lispe_command(program).stdout.strip() == str(tmp_path) + "/"


def test_version_and_help(lispe_command):
    assert lispe_command("--version").stdout.startswith("lispe ")
    result = lispe_command("--help")
    assert result.returncode == 0 and "REPL" in result.stdout


def test_list_includes_libraries_not_loaded(lispe_command):
    lines = lispe_command("--list").stdout.splitlines()
    pairs = {tuple(line.split("\t")) for line in lines}
    assert ("println", "core") in pairs
    assert ("setq", "core") in pairs
    assert ("torch_add", "lispe_torch") in pairs     # an alias
    assert any(lib == "lispe_tiktoken" for _, lib in pairs)
    assert all(len(line.split("\t")) == 2 for line in lines)


def test_doc_known_and_unknown(lispe_command):
    result = lispe_command("--doc", "push")
    assert result.returncode == 0 and "(push" in result.stdout
    result = lispe_command("--doc", "torch_add")
    assert result.stdout.splitlines()[:3] == ["(tensor_add tensor1 tensor2)", "  library: lispe_torch",
                                             "  aliases: torch_add"]
    assert "(special form)" in lispe_command("--doc", "setq").stdout
    result = lispe_command("--doc", "pushh")
    assert result.returncode == 1 and "push" in result.stderr


def test_repl_reports_errors_and_goes_on(lispe_command):
    result = lispe_command(stdin="(/ 1 0)\n(+ 1 1)\n")
    assert "division by zero" in result.stderr
    assert result.stdout.split()[-1] == "2"


def test_missing_file(lispe_command):
    result = lispe_command("/nonexistent/file.lisp")
    assert result.returncode == 1
    assert "cannot read file" in result.stderr
    assert "Traceback" not in result.stderr


def test_reference_is_up_to_date():
    assert TARGET.read_text(encoding="utf-8") == reference(), "run: python -m lispe.docgen"


def test_function_index_is_up_to_date():
    with open(INDEX, encoding="utf-8") as f:
        assert f.read() == function_index(), "run: python -m lispe.docgen"
    records = json.loads(function_index())
    assert {"name": "push", "library": "core"}.items() <= next(
        r for r in records if r["name"] == "push").items()


def test_exit_ends_the_program_with_its_status(tmp_path, lispe_command):
    program = tmp_path / "ex.lisp"
    program.write_text('(println "a") (exit 3) (println "b")')
    result = lispe_command(str(program))
    assert result.returncode == 3 and result.stdout == "a\n" and result.stderr == ""
