"""The code writer: indented Python lines, each tagged with the LispE line it came from.

A `Unit` is the Python source generated for one top-level form; `Unit.lispe_line` maps a line of
a Python traceback back to the LispE source for error messages.  A `Writer` accumulates the lines
of one block; `Writer.block(header, body)` nests another writer's lines under `header:`.
"""

import itertools

from ..runtime import LISPE_FILE_PREFIX


class Unit:
    """The Python source generated for one top-level form, with its LispE line map.

    The source defines `_rt_main(_k0, _k1, ...)`: its arguments are the unit's constants (values
    that have no Python literal), its locals the form's temporaries, and its `global` line names
    the globals the form assigns at top level.
    """

    counter = itertools.count()

    def __init__(self, file):
        self.file = file
        self.lines = []             # (indent, text, lispe_line)
        self.constants = []
        self.globals_assigned = set()
        self.signatures = {}        # Python function name -> "(name params" for arity errors
        self.temps = itertools.count()
        self.ref = None             # the constant that holds this unit (for the functions it defines)
        self.name = f"{LISPE_FILE_PREFIX}{next(self.counter)}:{file or '<string>'}"

    def temp(self, prefix):
        if prefix == "_f":   # function names appear in Python's arity errors: unique per process
            return f"_f{next(Unit.counter)}"
        return f"{prefix}{next(self.temps)}"

    def constant(self, value):
        self.constants.append(value)
        return f"_k{len(self.constants) - 1}"

    def finish(self, body):
        """Wrap the lines of `body` (indented once) into the definition of `_rt_main`."""
        params = ", ".join(f"_k{i}" for i in range(len(self.constants)))
        self.lines = [(0, f"def _rt_main({params}):", body.line)]
        if self.globals_assigned:
            self.lines.append((1, "global " + ", ".join(sorted(self.globals_assigned)), body.line))
        self.lines.extend(body.lines)

    def source(self):
        return "\n".join("    " * i + t for i, t, _ in self.lines) + "\n"

    def lispe_line(self, python_line):
        if 1 <= python_line <= len(self.lines):
            return self.lines[python_line - 1][2]
        return None


class Writer:
    """Accumulates indented Python lines, each tagged with a LispE line."""

    def __init__(self, unit, indent=0, line=None):
        self.unit = unit
        self.indent = indent
        self.line = line
        self.lines = []

    def emit(self, text, line=None):
        self.lines.append((self.indent, text, line if line is not None else self.line))

    def child(self):
        return Writer(self.unit, self.indent, self.line)

    def extend(self, other):
        self.lines.extend(other.lines)

    def block(self, header, body):
        """Emit `header:` and the lines of `body`, indented one more level."""
        self.emit(header + ":")
        if not body.lines:
            self.emit("    pass")
        for indent, text, line in body.lines:
            self.lines.append((indent + 1, text, line))

    def nested(self):
        """A writer whose lines land here, one level deeper (the body of the line just emitted)."""
        inner = Writer(self.unit, self.indent + 1, self.line)
        inner.lines = self.lines
        inner.emit("pass")
        return inner

    def else_chain(self):
        """Emit `else:` and return the writer of its body (for if/elif chains)."""
        self.emit("else:")
        return self.nested()
