"""LispE errors: one exception class, carrying message, function, file and line.

A LispError is also a LispE value: `catch` returns it, `maybe` recognises it, and the
printer shows its message.  Library functions raise `LispError("...")`; the evaluator fills
in the function name, file and line from the traceback when the error leaves a builtin.
"""

import re


class LispError(Exception):
    """A LispE runtime or compile-time error."""

    def __init__(self, message, function=None, file=None, line=None):
        super().__init__(message)
        self.message = message
        self.function = function
        self.file = file
        self.line = line

    def located(self):
        """The one-line message shown when the error reaches the top level."""
        text = self.message if self.message.startswith("Error") else "Error: " + self.message
        if self.function and not re.search(rf"(?<![\w@]){re.escape(self.function)}(?![\w@])", text):
            text = f"{text} (in {self.function})"     # unless the message names it already
        if self.line is not None:
            text += f", line: {self.line}"
            if self.file:
                text += f" in: {self.file}"
        return text

    def __str__(self):
        return self.message
