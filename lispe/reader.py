"""The LispE reader: source text -> forms (spec §2).

A form is an int, a float, a str (string literal), a `Symbol`, None (`nil`), True, or a
`Form` (a list subclass that remembers the file and line it was read from).  A dictionary
literal `{k:v ...}` reads as a `Form` of kind "dict" holding its keys and values in turn.

The reader does not evaluate anything and knows nothing of builtins: `'x` becomes
`(quote x)`, the free-standing dot `(f a . g b)` is rewritten to `(f a (g b))`.
"""

import re

from .errors import LispError
from .values import Symbol

CONSTANTS = {"nil": None, "false": None, "_": None, "fail_": None, "true": True}
DELIMITERS = set("()[]{}\"`;'")
OPERATOR_CHARS = set("¬§•°%@=!+-*/^<>~,&|#?\\$")   # the reference tokenizer's %o class
NUMBER = re.compile(r"[+-]?(0x[0-9a-fA-F]+|0b[01]+|\d+(\.\d+)?([eE][+-]?\d+)?|\d+\.)\Z")


class Form(list):
    """A parenthesised form, with the position it was read at."""

    __slots__ = ("file", "line", "kind")

    def __init__(self, items=(), file=None, line=None, kind="list"):
        super().__init__(items)
        self.file = file
        self.line = line
        self.kind = kind


def parse_number(text):
    """The int or float `text` denotes, or None when it is not a number."""
    if not NUMBER.match(text):
        return None
    body = text.lstrip("+-")
    sign = -1 if text.startswith("-") else 1
    if body.startswith("0x"):
        return sign * int(body[2:], 16)
    if body.startswith("0b"):
        return sign * int(body[2:], 2)
    if any(c in body for c in ".eE"):
        return float(text)
    return int(text)


class Reader:
    """Reads all forms of one source text."""

    def __init__(self, text, file=None):
        self.text = text
        self.file = file
        self.pos = 0
        self.line = 1
        self.quoting = 0       # > 0 inside a quoted form: dots are dotted pairs, not compositions
        self.containers = []   # "list" / "dict" for each open bracket

    def error(self, message, line=None):
        return LispError(f"Error: {message}", None, self.file, line or self.line)

    # characters ---------------------------------------------------------------------
    def skip_blank(self):
        text, n = self.text, len(self.text)
        while self.pos < n:
            c = text[self.pos]
            if c == "\n":
                self.line += 1
                self.pos += 1
            elif c in " \t\r\f\v":
                self.pos += 1
            elif c == ";" or (c == "#" and text.startswith("#!", self.pos)):   # #! as in the reference
                if text.startswith(";;", self.pos):
                    end = text.find(";;", self.pos + 2)
                    end = n if end < 0 else end + 2
                else:
                    end = text.find("\n", self.pos)
                    end = n if end < 0 else end
                self.line += text.count("\n", self.pos, end)
                self.pos = end
            else:
                return

    def read_all(self):
        """Every top-level form of the text."""
        forms = []
        while True:
            self.skip_blank()
            if self.pos >= len(self.text):
                return forms
            if self.text[self.pos] in ")]}":
                raise self.error("parentheses do not balance: unexpected '%s'" % self.text[self.pos])
            forms.append(self.read())

    def read(self):
        """One form; the caller has skipped the blanks before it."""
        text = self.text
        if self.pos >= len(text):
            raise self.error("unexpected end of input: parentheses do not balance")
        c = text[self.pos]
        line = self.line
        if c in "([":
            self.pos += 1
            self.containers.append("list")
            try:
                return self.read_list(")" if c == "(" else "]", line)
            finally:
                self.containers.pop()
        if c == "{":
            self.pos += 1
            self.containers.append("dict")
            try:
                return self.read_dict(line)
            finally:
                self.containers.pop()
        if c == "'":
            self.pos += 1
            self.skip_blank()
            self.quoting += 1
            try:
                return Form([Symbol("quote"), self.read()], self.file, line)
            finally:
                self.quoting -= 1
        if c == '"':
            if text.startswith('"""', self.pos):
                return self.read_raw('"""', line)
            return self.read_string(line)
        if c == "`":
            return self.read_raw("`", line)
        return self.read_atom()

    def read_list(self, close, line):
        items = Form([], self.file, line)
        while True:
            self.skip_blank()
            if self.pos >= len(self.text):
                raise self.error("parentheses do not balance: missing '%s'" % close, line)
            c = self.text[self.pos]
            if c in ")]}":
                if c != close:
                    raise self.error(f"parentheses do not balance: expected '{close}', found '{c}'")
                self.pos += 1
                return items if self.quoting else compose_dots(items)
            items.append(self.read())

    def read_dict(self, line):
        items = Form([], self.file, line, kind="dict")
        while True:
            self.skip_blank()
            if self.pos >= len(self.text):
                raise self.error("parentheses do not balance: missing '}'", line)
            c = self.text[self.pos]
            if c == "}":
                self.pos += 1
                break
            if c in ":,":
                self.pos += 1
                continue
            items.append(self.read())
        if len(items) % 2:
            raise self.error("a dictionary literal needs key:value pairs", line)
        return items

    def read_string(self, line):
        text, pos, out = self.text, self.pos + 1, []
        escapes = {"n": "\n", "t": "\t", "r": "\r"}
        while pos < len(text):
            c = text[pos]
            if c == '"':
                self.line += text.count("\n", self.pos, pos)
                self.pos = pos + 1
                return "".join(out)
            if c == "\\" and pos + 1 < len(text):
                pos += 1
                out.append(escapes.get(text[pos], text[pos]))
            else:
                out.append(c)
            pos += 1
        raise self.error("unterminated string", line)

    def read_raw(self, delimiter, line):
        start = self.pos + len(delimiter)
        end = self.text.find(delimiter, start)
        if end < 0:
            raise self.error("unterminated string", line)
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end + len(delimiter)
        return self.text[start:end]

    def read_atom(self):
        text, start = self.text, self.pos
        pos = start
        while pos < len(text) and not text[pos].isspace() and text[pos] not in DELIMITERS:
            if text[pos] == ":" and pos > start and self.containers[-1:] == ["dict"]:
                break
            pos += 1
        if pos == start:  # a lone delimiter we do not read as a form
            raise self.error(f"unexpected character '{text[pos]}'")
        token = text[start:pos]
        number = parse_number(token)
        if number is not None:
            self.pos = pos
            return number
        token = token[:operator_prefix(token) or len(token)]
        self.pos = start + len(token)
        if token in CONSTANTS:
            return CONSTANTS[token]
        return Symbol(token)


def operator_prefix(token):
    """The length of the run of operator characters that the reference reads as a token of
    its own when a letter follows (`+dr` is `+ dr`, `@i` is `@ i`, `!map` is `! map`), else 0.
    `$name` and `#name` stay whole, as there."""
    k = 0
    while k < len(token) and token[k] in OPERATOR_CHARS:
        k += 1
    if k == 0 or k == len(token) or not (token[k].isalpha() or token[k] == "_"):
        return 0
    return 0 if k == 1 and token[0] in "$#" else k


def compose_dots(items):
    """`(f a . g b . h c)` -> `(f a (g b (h c)))` (not applied inside quoted forms)."""
    dot = Symbol(".")
    if dot not in items[1:]:
        return items
    for index in range(len(items) - 1, 0, -1):
        if type(items[index]) is Symbol and items[index] == dot and index + 1 < len(items):
            rest = Form(items[index + 1:], items.file, items.line)
            del items[index:]
            items.append(rest)
    return items


def read(text, file=None):
    """All top-level forms of `text`."""
    reader = Reader(text, file)
    try:
        return reader.read_all()
    except RecursionError:
        raise reader.error("expression nested too deeply") from None
