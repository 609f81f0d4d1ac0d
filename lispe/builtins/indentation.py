"""`indent`: re-indenting code by its brackets, as the reference's code indenter does it for
Lisp (parentheses and braces) and for C-like code (parentheses, brackets and braces)."""

from ..registry import builtin
from .strings import text

_BLANKS = "".join(chr(i) for i in range(33))


_INDENT = 3     # the reference's indentation step


def _skip_to(code, i, closer, stop_at_newline=False):
    """The position just after `closer` (from i), or the end of the line / text."""
    while i < len(code):
        c = code[i]
        if c == "\\" and closer == '"':
            i += 2
            continue
        if c == closer:
            return i + 1
        if stop_at_newline and c == "\n":
            return i
        i += 1
    return i


def _indented(code, openers, closers):
    out, depth, line_start, i = [], 0, True, 0
    while i < len(code):
        c = code[i]
        if c <= " ":
            if c == "\n":
                line_start = True
                out.append(c)
            elif not line_start:
                out.append(c)
            i += 1
            continue
        if line_start:
            if c in closers:
                depth = max(0, depth - 1)
                out.append(" " * (_INDENT * depth) + c)
                line_start = False
                i += 1
                continue
            out.append(" " * (_INDENT * depth))
            line_start = False
        if c in "\"`«":
            end = _skip_to(code, i + 1, {'"': '"', "`": "`", "«": "»"}[c], c == '"')
            out.append(code[i:end])
            i = end
            continue
        if c in openers:
            depth += 1
        elif c in closers:
            depth = max(0, depth - 1)
        out.append(c)
        i += 1
    return "".join(out)


@builtin("indent")
def indent(s, lispmode):
    """The code in s re-indented by its brackets, 3 spaces a level: ( and { for Lisp code
    (lispmode true), ( [ and { otherwise; strings are left as they are."""
    code = text(s).replace("\r\n", "\n").replace("\r", "\n").rstrip(_BLANKS) + "\n"
    lisp = lispmode not in (None, False)
    result = _indented(code, "({" if lisp else "([{", ")}" if lisp else ")]}")
    return result.rstrip(_BLANKS) + "\n\n"

