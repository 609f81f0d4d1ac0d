"""The `lispe` command: run a file, evaluate an expression, list and document functions, or
start the REPL.

    lispe FILE.lisp [args...]     run a program, then print the value of its last expression
    lispe -e "(expr ...)"         evaluate code given on the command line and print its value
    lispe                         interactive REPL (history, completion of every name)
    lispe --list                  every function as NAME<TAB>LIBRARY
    lispe --doc NAME              signature and documentation of one function
    lispe --nproc N FILE.lisp     run a program in N processes (torchrun, torch's launcher)

An uncaught error prints one line on stderr (function, file, line, problem) and exits with
status 1; `LISPE_DEBUG=1` adds the Python traceback.  Ctrl-C prints `Interrupted` with the
LispE line being run and exits with status 130 (a second Ctrl-C ends the process at once when
the program cannot stop, e.g. inside one long library call).  Warnings of the underlying
libraries print as one `Warning: ...` line; integers print in full, however long.
"""

import argparse
import atexit
import ctypes
import os
import sys
import threading
import traceback
import warnings

from . import __version__
from .errors import LispError
from .printer import to_string
from .registry import backend_message, closest_indexed_names, indexed, indexed_functions

STACK_SIZE = 512 * 1024 * 1024
RECURSION_LIMIT = 60000


def build_parser():
    parser = argparse.ArgumentParser(
        prog="lispe",
        description="LispE, the Lisp dialect, on Python, with lispe_torch and lispe_tiktoken.",
        epilog="With no FILE and no -e, starts the interactive REPL.")
    parser.add_argument("file", nargs="?", help="LispE program to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments given to the program in _args")
    parser.add_argument("-e", "--eval", metavar="CODE", help="evaluate CODE and print its value")
    parser.add_argument("--list", action="store_true", help="print every function as NAME<TAB>LIBRARY")
    parser.add_argument("--doc", metavar="NAME", help="print the signature and doc of a function")
    parser.add_argument("--nproc", type=int, metavar="N",
                        help="run FILE in N processes on this machine with torch's launcher, as "
                             "`torchrun --nproc-per-node N -m lispe FILE args` (docs/distributed.md)")
    parser.add_argument("--version", action="version", version=f"lispe {__version__}")
    return parser


def report(error):
    """Print an uncaught error as LispE does (one line on stderr)."""
    if os.environ.get("LISPE_DEBUG") == "1":
        traceback.print_exception(error)
    text = error.located() if isinstance(error, LispError) else f"Error: {error}"
    print(text, file=sys.stderr)


def list_functions():
    """Every function of every library (from the function index: nothing is imported)."""
    for record in indexed_functions():
        for name in (record["name"], *record["aliases"]):
            print(f"{name}\t{record['library']}")
    return 0


def show_doc(name):
    """The signature and doc of `name` (from the function index: nothing is imported)."""
    record = indexed(name)
    if record is None:
        suggestions = closest_indexed_names(name)
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        print(f"lispe: no function named '{name}'.{hint}", file=sys.stderr)
        return 1
    print(record["signature"])
    print(f"  library: {record['library']}" + (" (special form)" if record["special"] else ""))
    if record["aliases"]:
        print(f"  aliases: {' '.join(record['aliases'])}")
    print(f"  {record['doc']}")
    return 0


def launch(nproc, file, args):
    """Run `file` in `nproc` processes with torchrun's own code; 1 when any process failed."""
    if file is None or nproc < 1:
        print("lispe: --nproc needs a positive number of processes and a FILE", file=sys.stderr)
        return 2
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run
    try:
        run(parse_args(["--standalone", "--nproc-per-node", str(nproc), "-m", "lispe", file, *args]))
    except ChildFailedError as e:
        ranks = " ".join(str(rank) for rank in sorted(e.failures))
        print(f"lispe: {len(e.failures)} of {nproc} processes failed (rank {ranks})", file=sys.stderr)
        return 1
    return 0


def run_program(options):
    from .interpreter import Lisp
    from .repl import interruption
    lisp = Lisp(["-e" if options.eval is not None else options.file] + options.args)
    try:
        if options.eval is not None:
            value = lisp.eval(options.eval, None)
        else:
            value = lisp.run_file(options.file)
    except KeyboardInterrupt as e:
        print(interruption(lisp, e), file=sys.stderr)
        return 130
    sys.stdout.write(to_string(value) + "\n")
    return 0


def in_big_stack(function, *args):
    """Run `function` in a thread with a large stack, so deep LispE recursion ends in a LispE
    error instead of a crash."""
    result, done = {}, threading.Event()

    def target():
        sys.setrecursionlimit(RECURSION_LIMIT)
        try:
            result["status"] = function(*args)
        except LispError as e:
            report(e)
            result["status"] = 1
        except SystemExit as e:     # (exit n)
            result["status"] = e.code if isinstance(e.code, int) else 0
        except BaseException as e:  # noqa: BLE001 - shown as one line, never a traceback
            if isinstance(e, KeyboardInterrupt):
                print("Interrupted", file=sys.stderr)
                result["status"] = 130
            else:
                report(e)
                result["status"] = 1
        finally:
            done.set()

    threading.stack_size(STACK_SIZE)
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    asked = False
    while not done.is_set():   # not thread.join(): an interrupted join forgets the thread
        try:
            done.wait()
        except KeyboardInterrupt:
            asked = interrupt(thread, asked)
    return result.get("status", 1)


def interrupt(thread, asked):
    """Ctrl-C: raise KeyboardInterrupt in the program's thread (Python delivers it only to the
    main thread); a second Ctrl-C before it stops ends the process."""
    if asked:
        print("Interrupted", file=sys.stderr)
        sys.stderr.flush()
        os._exit(130)
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                               ctypes.py_object(KeyboardInterrupt))
    return True


def show_warning(message, category, filename, lineno, file=None, line=None):
    """A warning of an underlying library: one line on stderr."""
    print(f"Warning: {backend_message(message)}", file=sys.stderr)


def set_up_output():
    """Integers print in full (DECISIONS.md 12); a character that the terminal's encoding
    cannot show prints as an escape instead of failing; warnings print as one line."""
    sys.set_int_max_str_digits(0)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    warnings.showwarning = show_warning


def main(argv=None):
    options = build_parser().parse_args(argv)
    set_up_output()
    if options.list:
        return list_functions()
    if options.doc:
        return show_doc(options.doc)
    if options.nproc is not None:
        return launch(options.nproc, options.file, options.args)
    if options.file is None and options.eval is None:
        from .repl import repl
        return repl()
    status = in_big_stack(run_program, options)
    sys.stdout.flush()
    return finish(status)


def finish(status):
    """The exit status. A process that joined a torch.distributed process group ends here,
    without Python's finalization: a gloo worker thread may still be releasing the tensors of
    the last collective, and a thread that needs Python while Python shuts down aborts the
    process ("terminate called without an active exception", torch issue 190489). Exit
    handlers run first (open LispE files are closed), then the output is flushed."""
    distributed = sys.modules.get("lispe.libs.torch.distributed")
    if distributed is None or not distributed.joined():
        return status
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    sys.exit(main())
