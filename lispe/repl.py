"""The interactive LispE REPL: reads until parentheses balance, keeps history across sessions
(~/.lispe_history), completes every registered name.  Without a terminal (input from a pipe)
it reads plain lines, so `echo '(+ 1 2)' | lispe` works too.  Ctrl-C during an evaluation
prints `Interrupted` with the LispE line and returns to the prompt; an error, or a value that
cannot be printed, prints one line and the REPL goes on.
"""

import os
import re
import sys

from .errors import LispError
from .printer import to_string
from .registry import backend_message, indexed_functions

HISTORY = os.path.expanduser("~/.lispe_history")
WORD = re.compile(r"[^\s()\[\]{}\"'`;]+")  # what completion treats as one symbol
BANNER = "LispE {version} on Python. (use 'lispe_torch) for tensors; Ctrl-D to quit."


def balance(text):
    """Open parentheses minus closed ones, ignoring strings and comments (approximate)."""
    depth, in_string, i = 0, None, 0
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\" and in_string == '"':
                i += 1
            elif c == in_string:
                in_string = None
        elif c in "\"`":
            in_string = c
        elif c == ";":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        i += 1
    return depth if not in_string else max(depth, 1)


def make_prompt():
    """A prompt_toolkit session with history and completion, or None without a terminal."""
    if not sys.stdin.isatty():
        return None
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import WordCompleter
    from prompt_toolkit.history import FileHistory
    words = sorted(n for r in indexed_functions() for n in (r["name"], *r["aliases"]))
    completer = WordCompleter(words, pattern=WORD, sentence=False)
    return PromptSession(history=FileHistory(HISTORY), completer=completer)




def read_expression(session):
    """Lines until the parentheses balance; None at end of input."""
    lines = []
    while True:
        prompt = "lispe> " if not lines else "...    "
        try:
            line = session.prompt(prompt) if session else input(prompt if sys.stdin.isatty() else "")
        except EOFError:
            return None if not lines else "\n".join(lines)
        lines.append(line)
        if balance("\n".join(lines)) <= 0:
            return "\n".join(lines)


def repl():
    from . import __version__
    from .interpreter import Lisp
    sys.setrecursionlimit(20000)
    lisp = Lisp(["lispe"])
    session = make_prompt()
    if session:
        print(BANNER.format(version=__version__))
    while True:
        try:
            text = read_expression(session)
        except KeyboardInterrupt:
            continue
        if text is None:
            return 0
        if not text.strip():
            continue
        try:
            value = lisp.eval(text)
        except LispError as e:
            print(e.located(), file=sys.stderr)
            continue
        except KeyboardInterrupt as e:
            print(interruption(lisp, e), file=sys.stderr)
            continue
        show(value)


def show(value):
    """Print a value; one that cannot be printed gives an error line and the REPL goes on."""
    try:
        print(to_string(value))
    except KeyboardInterrupt:
        print("Interrupted", file=sys.stderr)
    except Exception as e:  # noqa: BLE001 - a printer failure is reported, never fatal here
        print(f"Error: the value cannot be printed ({backend_message(e)})", file=sys.stderr)


def interruption(lisp, error):
    """`Interrupted, line: 12 in: prog.lisp`: where Ctrl-C stopped the LispE code."""
    where = lisp.as_error(error)
    text = "Interrupted"
    if where.line is not None:
        text += f", line: {where.line}" + (f" in: {where.file}" if where.file else "")
    return text
