"""The engine of the rule-based tokenizers (`tokenizer.py` has the LispE functions): the rule
language, the compiled automaton and the matcher, written after the reference interpreter's.
Registers no LispE function.

A tokenizer is a list of rules `body=action`, compiled into an automaton that cuts a string
into tokens.  Hand-written here after the reference's rule language and matching strategy:

    x  a character      %x  a class (%a letter or _, %d digit, %p punctuation, %o operator,
    %s space, %S space or newline, %r newline, %C upper, %c lower, %h Greek, %H CJK,
    %e emoji, %E emoji modifier, %n non-breaking space) or, for any other x, x itself
    #NN  the character of code NN     #a-b  a character from a to b     ?  any character
    (..)  optional    [..]  sequence    {..}  one of the elements (separated by spaces)
    x+  x*  loops     x-  x is matched but not kept in the token     ~x  anything but x
    c:body  a metarule: %c in the following rules stands for body
    =NN  the token's type   =#  matched but not kept   =:NN  same as =NN   =!NN  a rule
    switched off until a segmenter turns it on (point and blank modes)

Matching (as in the reference): at each position the rules that start with the current
character are tried in their order, then the rules that cannot be indexed that way (classes
over all of Unicode, negations, `?`); the first rule that reaches its end wins; a character
no rule takes becomes a token on its own (type 0).  Inside a rule the arcs out of a state
are tried plain characters and classes first, then the others (negations, `?`, the end,
the loop back of a `{...}`); a loop on one element repeats without giving characters back.
As in the reference, a `[...]` that follows another element joins what comes next to that
element (so `x[ab]y` reads "xy"; `%d+[,%d%d%d]+` loops as intended), and a `=:` rule fails
when it reaches the very end of the input.
"""

from ..errors import LispError
from ._chartables import is_cjk, is_emoji, is_emoji_complement, is_punctuation
from .characters import is_alpha, is_lower, is_upper

_TABLE_SIZE = 1611              # characters below this code index the rules directly
_OPERATORS = "¬§•°%@=!+-*/^<>~,&|#?\\$"
_META = {
    "C": is_upper, "H": is_cjk, "S": lambda c: c in "\t\n\r \xa0\u202f\u3000",
    "a": lambda c: c == "_" or is_alpha(c), "c": is_lower, "d": lambda c: "0" <= c <= "9",
    "e": is_emoji, "E": is_emoji_complement, "h": lambda c: "\u0391" <= c <= "\u03db",
    "n": lambda c: c in "\xa0\u202f\u3000", "o": None, "p": is_punctuation,
    "r": lambda c: c in "\n\r", "s": lambda c: c in "\t \xa0\u202f\u3000",
}
# the characters each class puts in the index (the others go to the non-indexed rules)
_META_INDEX = {"d": "0123456789", "r": "\n\r", "s": "\t \xa0", "S": "\t\n\r \xa0", "n": "\xa0"}
_META_UNINDEXED = set("HSsnop")      # classes that also reach characters beyond the index


class Node:
    """A state of a rule's automaton: the character test that leads into it and its arcs."""

    __slots__ = ("kind", "value", "negated", "skip", "arcs", "id", "alternatives", "rule",
                 "back")

    def __init__(self, kind, value, nid):
        self.kind, self.value, self.id = kind, value, nid   # char meta range any not eps end
        self.negated = self.skip = False
        self.arcs, self.alternatives, self.rule, self.back = [], None, None, None

    def pure(self):
        return self.kind in ("char", "meta") and not self.negated and not self.skip

    def test(self, c, operators):
        if not c:
            return False
        if self.rule is not None and self.rule.blocked:
            return False
        kind = self.kind
        if kind == "char":
            hit = c == self.value
        elif kind == "meta":
            hit = c in operators if self.value == "o" else _META[self.value](c)
        elif kind == "range":
            hit = self.value[0] <= c <= self.value[1]
        elif kind == "not":
            return not any(a.test(c, operators) for a in self.alternatives)
        else:
            return kind in ("any", "eps")
        return hit != self.negated


class _Rule:
    __slots__ = ("text", "label", "entries", "blocked", "tail", "grouped")

    def __init__(self, text_, label, gated, tail):
        self.text, self.label, self.entries, self.blocked, self.tail = text_, label, [], gated, tail
        self.grouped = False


class RuleError(Exception):
    pass


class _Builder:
    """Compiles the body of one rule into nodes."""

    def __init__(self, body):
        self.body, self.pos, self.nodes = body, 0, []

    def node(self, kind, value=None):
        n = Node(kind, value, len(self.nodes))
        self.nodes.append(n)
        return n

    def element(self):
        """(entry, exits) of the next element of the body, with its - + * suffixes."""
        body = self.body
        c = body[self.pos]
        negated = c == "~"
        if negated:
            self.pos += 1
            c = body[self.pos]
        first_id = len(self.nodes)
        if c in "{[(":
            entry, exits = self.group(c)
            if negated:
                entry, exits = self.negation(entry, exits)
        else:
            entry = self.atom(c)
            entry.negated = negated
            exits = [entry]
        while self.pos < len(body) and body[self.pos] in "-+*":
            suffix = body[self.pos]
            self.pos += 1
            if suffix == "-":
                for n in exits:
                    n.skip = True
            else:
                join, again = self.node("eps"), entry
                if c == "{" and not negated:      # the loop of a {...}: tried after the
                    again = self.node("eps")      # plain tests that follow it
                    again.arcs, again.back = [entry], first_id - 0.5
                for n in exits:
                    n.arcs += [again, join]
                if suffix == "*":
                    start = self.node("eps")
                    start.arcs = [entry, join]
                    entry = start
                exits = [join]
        return entry, exits

    def atom(self, c):
        body = self.body
        self.pos += 1
        if c == "%" and self.pos < len(body):
            name = body[self.pos]
            self.pos += 1
            return self.node("meta", name) if name in _META else self.node("char", name)
        if c == "#" and self.pos < len(body):
            if self.pos + 2 < len(body) and body[self.pos + 1] == "-":
                n = self.node("range", (body[self.pos], body[self.pos + 2]))
                self.pos += 3
                return n
            digits = 0
            while self.pos + digits < len(body) and body[self.pos + digits].isdigit():
                digits += 1
            if not digits:
                raise RuleError("'#' operator is not associated with a number or an interval.")
            code = int(body[self.pos:self.pos + digits])
            self.pos += digits
            return self.node("char", chr(code))
        if c == "?":
            return self.node("any")
        if c in ")]}":
            raise RuleError("too many closing brackets.")
        return self.node("char", c)

    def group(self, opener):
        """(entry, exits) of {...} (one of its elements), [...] or (...) (optional)."""
        self.pos += 1
        if opener != "{":
            entry, exits = self.sequence("]" if opener == "[" else ")")
            if opener == "[":
                return entry, exits
            start, join = self.node("eps"), self.node("eps")
            start.arcs = [entry, join]
            for n in exits:
                n.arcs.append(join)
            return start, [join]
        start, join = self.node("eps"), self.node("eps")
        while self.body[self.pos:self.pos + 1] != "}":
            if self.pos >= len(self.body):
                raise RuleError("missing '}'.")
            if self.body[self.pos] == " ":
                self.pos += 1
                continue
            entry, exits = self.element()
            start.arcs.append(entry)
            for n in exits:
                n.arcs.append(join)
        self.pos += 1
        if not start.arcs:
            raise RuleError("empty '{}'.")
        return start, [join]

    def sequence(self, closer):
        """(entry, exits) of the elements up to `closer` (None: the end of the body)."""
        entry = exits = None
        while True:
            if self.pos >= len(self.body):
                if closer is None:
                    break
                raise RuleError(f"missing '{closer}'.")
            if self.body[self.pos] == closer:
                self.pos += 1
                break
            if self.body[self.pos] == "[" and exits is not None:
                exits = self.inner_sequence(exits)
                continue
            nxt, nxt_exits = self.element()
            if entry is None:
                entry, exits = nxt, nxt_exits
            else:
                for n in exits:
                    n.arcs.append(nxt)
                exits = nxt_exits
        if entry is None:
            raise RuleError("empty rule." if closer is None else f"empty '{closer}'.")
        return entry, exits

    def inner_sequence(self, exits):
        """A [...] after other elements, built as the reference builds it: what follows is
        joined to the element before the [...], so without + or * the [...] leads nowhere;
        with + or *, it loops when the element before ends in an epsilon state, otherwise
        the element before loops."""
        start, ends = self.group("[")
        loop = self.body[self.pos:self.pos + 1]
        if loop not in ("+", "*"):
            for n in exits:
                n.arcs.append(start)
            return exits
        self.pos += 1
        join = self.node("eps")
        if all(n.kind == "eps" for n in exits):
            for n in exits:
                n.arcs += [start, join] if loop == "*" else [start]
            for n in ends:
                n.arcs += [*exits, join]
        else:
            for n in exits:
                n.arcs += [start, n, join]
        return [join]

    def negation(self, entry, exits):
        """~{...} or ~[...]: one character, provided no alternative starts there."""
        n = self.node("not")
        n.alternatives = [a for a in _closure(entry) if a.kind != "end"]
        return n, [n]

    def compile(self, label):
        entry, exits = self.sequence(None)
        end = self.node("end", label)
        for n in exits:
            n.arcs.append(end)
        for n in self.nodes:
            if n.kind != "eps":
                n.arcs = _ordered(n.arcs)
        return _closure(entry)


def _ordered(arcs):
    """The arcs without epsilon, in the order the reference tries them: the plain tests first,
    then the others; the loop back of a {...} comes with the others, at its group's place."""
    plain, groups, seen = [], [], set()

    def walk(n):
        if n.id in seen:
            return
        seen.add(n.id)
        if n.kind != "eps":
            plain.append(n)
        elif n.back is not None:
            groups.append((n.back, sorted(_closure_of_arcs(n.arcs), key=lambda t: t.id)))
        else:
            for a in n.arcs:
                walk(a)
    for a in arcs:
        walk(a)
    rest = sorted([(t.id, [t]) for t in plain if not t.pure()] + groups, key=lambda g: g[0])
    ordered = sorted((t for t in plain if t.pure()), key=lambda t: t.id)
    ordered += [t for _, group in rest for t in group]
    return list(dict.fromkeys(ordered))


def _closure_of_arcs(arcs):
    seen, out = set(), []

    def walk(n):
        if n.id in seen:
            return
        seen.add(n.id)
        if n.kind == "eps":
            for a in n.arcs:
                walk(a)
        else:
            out.append(n)
    for a in arcs:
        walk(a)
    return out


def _closure(entry):
    return _closure_of_arcs([entry])


def _replace_metas(metas, line):
    if "%" not in line or len(line) == 1:
        return line
    for key in sorted(metas):
        line = line.replace(key, metas[key])
    return line


def _compile(rules):
    """The rule objects of a rule list (metarules substituted), in order."""
    compiled, metas, number = [], {}, 1
    for line in rules:
        if len(line) > 1 and line[1] == ":":
            metas["%" + line[0]] = _replace_metas(metas, line[2:])
            continue
        eq = line.rfind("=")
        if eq <= 0 or eq == len(line) - 1:
            raise LispError(f"Error in: {line}. Error is: missing '=' sign for label assignment.",
                            "set_tokenizer_rules")
        body, action = line[:eq], line[eq + 1:]
        tail = action.startswith(":")
        if tail:
            action = action[1:]
        gated = action.startswith("!")
        if gated:
            action = action[1:]
        try:
            label = -1 if action == "#" else int(action or 0)
            rule = _Rule(line, label, gated, tail)
            body = _replace_metas(metas, body)
            builder = _Builder(body)
            rule.entries = builder.compile(label)
            for node in builder.nodes:        # numbered across the rules, as displayed
                if node.kind != "eps":
                    node.id, number = number, number + 1
            rule.grouped = body[0] in "{[(~"
            if not rule.grouped:            # a gate acts on a rule's first state only
                for entry in rule.entries:
                    entry.rule = rule
        except (RuleError, IndexError, ValueError) as e:
            reason = str(e) if isinstance(e, RuleError) else "malformed rule."
            raise LispError(f"Error in: {line}. Error is: {reason}",
                            "set_tokenizer_rules") from None
        compiled.append(rule)
    return compiled


class _Index:
    """The rules' first states by first character (below the index size), then the others."""

    def __init__(self, rules, operators):
        self.by_char, self.other = {}, []
        for rule in rules:
            for entry in rule.entries:
                chars, beyond = _first_chars(entry, operators)
                for c in chars:
                    self.by_char.setdefault(c, []).append((entry, rule))
                if beyond and (entry, rule) not in self.other:
                    self.other.append((entry, rule))

    def candidates(self, c):
        return self.by_char.get(c, ()) if ord(c) < _TABLE_SIZE else ()


def _first_chars(entry, operators):
    """The indexable characters that can start at `entry`, and whether it also goes in the
    list of rules tried for any character."""
    if entry.negated or entry.kind in ("any", "not", "end"):
        return (), True
    if entry.kind == "char":
        return ((entry.value,), False) if ord(entry.value) < _TABLE_SIZE else ((), True)
    if entry.kind == "range":
        a, b = entry.value
        return [chr(i) for i in range(ord(a), min(ord(b), _TABLE_SIZE - 1) + 1)], False
    name = entry.value
    if name in _META_INDEX:
        chars = _META_INDEX[name]
    elif name == "o":
        chars = [c for c in operators if ord(c) < _TABLE_SIZE]
    elif name in ("H", "e", "E"):   # (the reference never starts a rule at an emoji)
        chars = ()
    else:
        test = _META[name]
        chars = [chr(i) for i in range(_TABLE_SIZE) if test(chr(i))]
    beyond = name in _META_UNINDEXED or (name == "o" and any(ord(c) >= _TABLE_SIZE
                                                            for c in operators))
    return chars, beyond


class _Exhausted(Exception):
    """A `=:` rule ran to the end of the input (it then fails, as in the reference)."""


class _Run:
    """One tokenization: the input, the position and the tokens found."""

    def __init__(self, source, operators):
        self.s, self.pos, self.operators = source, 0, operators
        self.token, self.tokens, self.types = [], [], []
        self.tail = False

    def current(self):
        return self.s[self.pos] if self.pos < len(self.s) else ""

    def store(self, label):
        if label != -1:
            self.tokens.append("".join(self.token))
            self.types.append(label & 0xFF)

    def traverse(self, node):
        """Follow the arcs of `node`, whose character has been checked; True at a rule's end."""
        if node.kind == "end":
            self.store(node.value)
            return True
        if self.pos >= len(self.s):
            return False
        saved_pos, saved_len = self.pos, len(self.token)
        self.consume(node)
        arcs, ops, i = node.arcs, self.operators, 0
        while i < len(arcs):
            r = arcs[i]
            if r.kind == "end":
                self.store(r.value)
                return True
            if r.test(self.current(), ops):
                if r is node:             # a loop on one element: no going back
                    self.consume(node)
                    i = 0
                    continue
                if self.traverse(r):
                    return True
            i += 1
        self.pos = saved_pos
        del self.token[saved_len:]
        return False

    def consume(self, node):
        if not node.skip:
            self.token.append(self.s[self.pos])
        self.pos += 1
        if self.tail and self.pos >= len(self.s):
            raise _Exhausted

    def first(self, candidates):
        """Try the rules' first states in order; a `=:` rule that runs off the end of the
        input ends the attempt, as the reference's iterative matching does."""
        c, start = self.current(), self.pos
        for entry, rule in candidates:
            if entry.test(c, self.operators):
                self.token, self.tail = [], rule.tail
                try:
                    if self.traverse(entry):
                        return True
                except _Exhausted:
                    self.pos = start
                    return False
        return False


class Tokenizer:
    """A tokenizer (or segmenter) value: rules, operators and their compiled index."""

    def __init__(self, rules, printed):
        self.printed = printed
        self.set_rules(rules)

    def lisp_type(self):
        """The type atom of tokenizer values."""
        return "tokenize_rule"

    def __str__(self):
        return self.printed

    def set_rules(self, rules):
        """Compile new rules; as in the reference, %o is reset to the default operators."""
        self.operators = set(_OPERATORS)
        self.rules = list(rules)
        self.compiled = _compile(self.rules)
        self.index = _Index(self.compiled, self.operators)

    def set_gate(self, label, active):
        for rule in self.compiled:
            if rule.label == label:
                rule.blocked = not active

    def tokenize(self, source):
        run = _Run(source, self.operators)
        while run.pos < len(source):
            c = run.current()
            if not (run.first(self.index.candidates(c)) or run.first(self.index.other)):
                run.tokens.append(c)
                run.types.append(0)
                run.pos += 1
        return run.tokens, run.types


# The reference's rule sets, as `get_tokenizer_rules` lists them.
_STRINGS = ['"""?*"""=:96', '"{[\\-"] ~%r}*"=:34', 'b"{[\\-"] ~%r}*"=:34', "`?*`=:96",
            "b`?*`=:97", "«?*»=:96", "“?*”=:96", "‘?*’=:96", "„?*”=:96", "❝?*❞=:96",
            "b«?*»=:96", "b“?*”=:96", "b‘?*’=:96", "b„?*”=:96", "b❝?*❞=:96"]
_NUMBERS = ["N:{%- %+}", "F:{%d #A-F #a-f}", "P:{pP}(%N)%d+", "D:.%F+(%P)", "X:{eE}(%N)%d+",
            "V:.%d+(%X)", "R:%d+(%V)", "I:,(%N)(%R)i", "%N0x%F+(%D)=57", "0x%F+(%D)=57",
            "%N0b{1 0}+=57", "0b{1 0}+=57", "%N%R(%I)=57", "%R(%I)=57"]
_WORDS = ["%%%d+=65", "%%{%o %p}=65", "${%a %d}+=65", "%#{%a %d}+=65", "%o+=63", "%e%E*=65",
          "%H{%H %d %o}*=65", "%h{%h %d %o}*=65", "%a{%a %d %o}*=65", "%p=32",
          "~{%S %o %p}+=65"]
_PUNCTUATION = ["';+=59", "'=39", "#27%[{%d;,}+m=#", ".=46", ":=58", "%(=40", "%)=41", "%[=91",
                "%]=93", "%{=123", "%}=125"]
TOKENIZER_RULES = (["%s+=32", "#10+=10", "#13=#"] + _PUNCTUATION
                   + [";;?+;;=:67", ";?+%r=67", "%#!?+%r=67"] + _STRINGS + _NUMBERS + _WORDS)
MAIN_RULES = (["%s+=#", "#10+=10", "#13=#"] + _PUNCTUATION
              + [";;?+;;=:#", ";?+#10=#", "%#!?+%r=#"] + _STRINGS + _NUMBERS + _WORDS)
_SIGN = "{%- %+}"
SEGMENTER_RULES = [
    "%S=!99", "%S+=#", "%d+{[rd][th][nd][er][ième][ieme]}=1", "%d(%d)(:%d%d){[am][pm]}=1",
    "%d(%d){:h}%d%d=1", "1:{%d #A-F #a-f}",
    _SIGN + "%d+[,%d%d%d]+=22", _SIGN + "%d+[{.#32}%d%d%d]+=!66",
    _SIGN + "%d+[{,.#32}%d%d%d]+=!88", "%d+[,%d%d%d]+=22", "%d+[{.#32}%d%d%d]+=!66",
    "%d+[{,.#32}%d%d%d]+=!88",
    _SIGN + "0x%1+(.%1+({pP}(" + _SIGN + ")%d+))=22", _SIGN + "0x%1+(,%1+({pP}(" + _SIGN
    + ")%d+))=!66", _SIGN + "0x%1+({,.}%1+({pP}(" + _SIGN + ")%d+))=!88",
    _SIGN + "%d+(.%d+({eE}(" + _SIGN + ")%d+))=22", _SIGN + "%d+(,%d+({eE}(" + _SIGN
    + ")%d+))=!66", _SIGN + "%d+({,.}%d+({eE}(" + _SIGN + ")%d+))=!88",
    "0x%1+(.%1+({p P}(" + _SIGN + ")%d+))=22", "0x%1+(,%1+({p P}(" + _SIGN + ")%d+))=!66",
    "0x%1+({,.}%1+({p P}(" + _SIGN + ")%d+))=!88",
    "%d+(.%d+({eE}(" + _SIGN + ")%d+))=22", "%d+(,%d+({eE}(" + _SIGN + ")%d+))=!66",
    "%d+({,.}%d+({eE}(" + _SIGN + ")%d+))=!88",
    _SIGN + "0b{1 0}+=1", "0b{1 0}+=1", "%#{%a %d}+=1", "${%a %d}+=1",
    "http(s)://{%a %d . = %# & %? / %- %+}+=1", "{%a %d . %- %+}+@{%a %d . = & %? %# %- %+}+=1",
    "%o=1", "%p=1", "%e%E*=1", "%H{%H %d}*=1", "%h{%h %- %d}*=1", "%a{%a %- '’ %d}*=1",
    "~{%S %o %p}+=1"]


class Segmenter(Tokenizer):
    """A segmenter: blanks kept or not, and the decimal point mode (0 ".", 1 ",", 2 both)."""

    def __init__(self, keepblanks=False, point=0):
        super().__init__(SEGMENTER_RULES, "segmenter")
        self.configure(keepblanks, point)

    def configure(self, keepblanks, point):
        self.set_gate(99, bool(keepblanks))
        for label, mode in ((22, 0), (66, 1), (88, 2)):
            self.set_gate(label, point == mode)


def display(tokenizer):
    """The automaton of each rule, as the reference shows it: one state a line, `code_number`
    (a class shows its letter's code, ~ a negation, - a character not kept, $ the end and its
    type), a state met before as `code_SEE_number`."""
    lines = []
    for rule in tokenizer.compiled:
        lines.append(rule.text)
        seen, depth = set(), 0
        if rule.grouped:                    # the rule starts at an epsilon state
            lines.append("EPSILON")
            depth = 1
        for entry in rule.entries:
            _describe(entry, depth, seen, lines)
        lines.append("")
    return "\n".join(lines) + "\n"


def _describe(node, depth, seen, lines):
    if node.kind == "end":
        lines.append(f"{'  ' * depth}${node.value & 0xFF}_{node.id}")
        return
    if node.kind == "range":
        label = f"{ord(node.value[0]) & 0xFF}-{ord(node.value[1]) & 0xFF}"
    else:
        label = str(ord({"any": "?", "not": "~"}.get(node.kind, node.value)) & 0xFF)
    label = ("~" if node.negated else "") + ("-" if node.skip else "") + label
    if node.id in seen:
        lines.append(f"{'  ' * depth}{label}_SEE_{node.id}")
        return
    seen.add(node.id)
    lines.append(f"{'  ' * depth}{label}_{node.id}")
    for arc in node.arcs:
        _describe(arc, depth + 1, seen, lines)
