"""The automaton that runs the `rgx` dialect (see regex.py for the dialect), written after
the reference interpreter's: the expression is cut into tokens, built into states joined by
arcs (a character, a class, any character, or an epsilon), and matched depth-first, the arcs
of a state in their order, the end of the expression accepted only when no arc leads further.
The order of the arcs decides which match is found: a single element that follows a loop is
put before the loop's arc (so `%d+%d` finds "12" in "12345"); other loops come first (greedy).
The search is iterative, so long strings do not hit Python's recursion limit.
Registers no LispE function.
"""

import re

from ._chartables import is_cjk, is_emoji, is_emoji_complement, is_punctuation
from .characters import is_alpha, is_lower, is_upper

# token types, as the reference numbers them (a loop type is its element's type + 1 or + 2)
REG, REG_PLUS, REG_STAR, META, META_PLUS, META_STAR, ANY, ANY_PLUS, ANY_STAR = range(1, 10)
OPEN_BRACE, CLOSE_BRACE, CLOSE_BRACE_PLUS, CLOSE_BRACE_STAR = range(10, 14)
OPEN_BRACKET, CLOSE_BRACKET, CLOSE_BRACKET_PLUS, CLOSE_BRACKET_STAR = range(14, 18)
OPEN_PAREN, CLOSE_PAREN, NEGATION = range(18, 21)
EPSILON = 0

END, MANDATORY, ERROR, BEGINNING, ENDING = 1, 8, 12, 64, 128
FAIL, STOP = -1, -2

_METAS = "CESacdehHnprsx"
_CLASSES = {
    "C": is_upper, "S": lambda c: c <= " " or c == "\xa0", "a": lambda c: c == "_" or is_alpha(c),
    "c": is_lower, "d": lambda c: "0" <= c <= "9", "e": is_emoji, "E": is_emoji_complement,
    "h": lambda c: "\u0391" <= c <= "\u03db", "H": is_cjk,
    "n": lambda c: c == "\xa0", "p": is_punctuation, "r": lambda c: c in "\n\r",
    "s": lambda c: c in "\t \xa0", "x": lambda c: c in "0123456789ABCDEFabcdef",
}


class BadExpression(Exception):
    """The expression cannot be built."""


def tokenize(source):
    """The (token, type) pairs of an expression, or None when its brackets do not balance."""
    tokens, depth, i, size = [], 0, 0, len(source)
    while i < size:
        c = source[i]
        if c in "\n\r":
            i += 1
            continue
        kind, token = REG, c
        if c == "\\" and i + 1 < size:
            i += 1
            token = source[i]
            if re.fullmatch(r"\d{3}", source[i:i + 3]):
                token, i = chr(int(source[i:i + 3])), i + 2
            elif re.fullmatch(r"x[0-9a-fA-F]{4}", source[i:i + 5]):
                token, i = chr(int(source[i + 1:i + 5], 16)), i + 4
        elif c == "%" and i + 1 < size:
            i += 1
            kind, token = META, "%" + source[i]
        elif c in "~?([]{}":
            kind = {"~": NEGATION, "?": ANY, "(": OPEN_PAREN, "[": OPEN_BRACKET,
                    "]": CLOSE_BRACKET, "{": OPEN_BRACE, "}": CLOSE_BRACE}[c]
            depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(c, 0)
        elif c == ")":
            tokens.append((")", CLOSE_PAREN))
            i += 1
            continue
        elif c == "-" and depth and i < size - 1 and tokens and tokens[-1][1] == REG:
            last = source[i + 1]
            tokens.extend((chr(code), REG) for code in range(ord(tokens[-1][0]) + 1, ord(last) + 1))
            i += 2
            continue
        if i + 1 < size and source[i + 1] in "+*":
            i += 1
            kind += 1 if source[i] == "+" else 2
            token += source[i]
        tokens.append((token, kind))
        i += 1
    return tokens if depth == 0 else None


class Action:
    """What an arc tests: a character, a class, any character, or nothing (epsilon)."""

    __slots__ = ("kind", "value", "type", "vero")

    def __init__(self, kind, value, type_, vero=True):
        self.kind, self.value, self.type, self.vero = kind, value, type_, vero

    def same(self, other):
        return (self.type == other.type and self.vero == other.vero
                and (self.kind not in ("char", "meta") or self.value == other.value))

    def compare(self, c):
        """0: no, 1: yes (one character consumed), 2: epsilon (nothing consumed)."""
        kind = self.kind
        if kind == "eps":
            return 2
        if kind == "any":
            return 1 if self.vero else 0
        hit = c == self.value if kind == "char" else _CLASSES[self.value](c)
        return 1 if hit == self.vero else 0


class State:
    __slots__ = ("arcs", "status")

    def __init__(self):
        self.arcs, self.status = [], 0

    def is_end(self):
        return self.status & END == END


class Arc:
    __slots__ = ("action", "state")

    def __init__(self, action, state=None):
        self.action, self.state = action, state if state is not None else State()


def _element_action(token, kind, negated):
    if kind in (ANY, ANY_PLUS, ANY_STAR):
        action = Action("any", None, kind)
    elif kind in (META, META_PLUS, META_STAR):
        name = token[1]
        action = Action("meta" if name in _METAS else "char", name, kind)
    elif kind in (REG, REG_PLUS, REG_STAR):
        action = Action("char", token[0], kind)
    else:
        raise BadExpression
    action.vero = not negated
    return action


def build_arc(state, token, kind, common, negated):
    """The arc of one element from `state` (an equal arc already there is shared)."""
    action = _element_action(token, kind, negated)
    for arc in state.arcs:
        if arc.action.same(action):
            return arc
    current = Arc(action, common)
    if kind in (REG_PLUS, META_PLUS, ANY_PLUS):
        current.state.status |= MANDATORY
        current.state.arcs.append(current)
        state.arcs.append(current)
    elif kind in (REG_STAR, META_STAR, ANY_STAR):
        state.arcs.append(Arc(Action("eps", None, EPSILON), current.state))
        current.state.arcs.append(current)
        state.arcs.append(current)
    else:
        current.state.status |= MANDATORY
        state.arcs.insert(0, current)      # tried before any loop of this state
    return current


def _inside(tokens, i, opener, closers):
    """(the tokens from tokens[i] up to the closer that ends an element opened just before i,
    the closer's index); nested openers and closers are inside."""
    sub, depth = [], 1
    while i < len(tokens):
        kind = tokens[i][1]
        if kind == opener:
            depth += 1
        elif kind in closers:
            depth -= 1
            if not depth:
                return sub, i
        sub.append(tokens[i])
        i += 1
    raise BadExpression


def _sub_tokens(tokens, i, opener, closers):
    """The tokens of a bracketed element from tokens[i] (the opener) to its closer."""
    inner, end = _inside(tokens, i + 1, opener, closers)
    if end + 1 == len(tokens):
        raise BadExpression
    return [tokens[i], *inner, tokens[end]], end + 1


def _ends(state, ret):
    if ret is not None and ret.is_end() and not ret.status & MANDATORY:
        state.status |= END


def build(state, i, tokens, common):
    """Build tokens[i:] from `state`; the state where the expression ends."""
    if i == len(tokens):
        state.status |= END
        if common is not None:
            state.arcs.append(Arc(Action("eps", None, EPSILON), common))
        return state
    negated = tokens[i][1] == NEGATION
    if negated:
        i += 1
        if i == len(tokens):
            raise BadExpression
    token, kind = tokens[i]
    if kind == OPEN_BRACE:
        return _build_disjunction(state, i + 1, tokens, common, negated)
    if kind == OPEN_PAREN:
        return _build_option(state, i + 1, tokens, common, negated)
    if kind == OPEN_BRACKET:
        return _build_sequence(state, i + 1, tokens, common)
    if token == "^":
        state.status |= BEGINNING
        return build(state, i + 1, tokens, common)
    if token == "$":
        ret = build(state, i + 1, tokens, common)
        ret.status |= ENDING
        return ret
    arc = build_arc(state, token, kind, common if i + 1 == len(tokens) else None, negated)
    ret = build(arc.state, i + 1, tokens, common)
    if ret.is_end() and not ret.status & MANDATORY:
        if kind in (META_STAR, REG_STAR, ANY_STAR):
            state.status |= END
        else:
            ret.status |= MANDATORY
    return ret


_CLOSERS = {OPEN_BRACE: (CLOSE_BRACE, CLOSE_BRACE_PLUS, CLOSE_BRACE_STAR),
            OPEN_BRACKET: (CLOSE_BRACKET, CLOSE_BRACKET_PLUS, CLOSE_BRACKET_STAR),
            OPEN_PAREN: (CLOSE_PAREN,)}


def _build_disjunction(state, i, tokens, common, negated):
    join, alternatives = State(), []
    while i < len(tokens) and tokens[i][1] not in _CLOSERS[OPEN_BRACE]:
        kind = tokens[i][1]
        if kind in _CLOSERS:
            sub, i = _sub_tokens(tokens, i, kind, _CLOSERS[kind])
            start = State()
            build(start, 0, sub, join).status &= ~END
            for arc in start.arcs:
                if arc.state is not join:
                    alternatives.append(arc)
                    state.arcs.append(arc)
        else:
            alternatives.append(build_arc(state, tokens[i][0], kind, join, False))
            i += 1
    if i == len(tokens):
        raise BadExpression
    if negated:
        join.status = ERROR
        arc = Arc(Action("any", None, ANY))
        state.arcs.append(arc)
        join = arc.state
        alternatives.append(arc)
    closer = tokens[i][1]
    if closer in (CLOSE_BRACE_PLUS, CLOSE_BRACE_STAR):
        join.arcs.extend(alternatives)
        if closer == CLOSE_BRACE_STAR:
            arc = Arc(Action("eps", None, EPSILON))
            state.arcs.append(arc)
            join.arcs.append(arc)
            join = arc.state
        else:
            join.status |= MANDATORY
    else:
        join.status |= MANDATORY
    ret = build(join, i + 1, tokens, common)
    _ends(state, ret)
    return ret


def _build_option(state, i, tokens, common, negated):
    if negated:
        raise BadExpression
    sub, i = _inside(tokens, i, OPEN_PAREN, _CLOSERS[OPEN_PAREN])
    if not sub:
        raise BadExpression
    ret = build(state, 0, sub, None)
    ret.status &= ~END
    state.arcs.append(Arc(Action("eps", None, EPSILON), ret))
    ret.status &= ~MANDATORY
    ret = build(ret, i + 1, tokens, common)
    _ends(state, ret)
    return ret


def _build_sequence(state, i, tokens, common):
    sub, i = _inside(tokens, i, OPEN_BRACKET, _CLOSERS[OPEN_BRACKET])
    if not sub:
        raise BadExpression
    start = State()
    ret = build(start, 0, sub, None)
    ret.status = (ret.status & ~END) | MANDATORY
    closer = tokens[i][1]
    state.arcs.extend(start.arcs)
    if closer != CLOSE_BRACKET:
        ret.arcs.extend(start.arcs)
        if closer == CLOSE_BRACKET_STAR:
            state.arcs.append(Arc(Action("eps", None, EPSILON), ret))
            ret.status &= ~MANDATORY
    ret = build(ret, i + 1, tokens, common)
    _ends(state, ret)
    return ret


def _remove_final_epsilons(first):
    """An epsilon arc to an end state without arcs is dropped: its state becomes an end."""
    seen, todo = set(), [first]
    while todo:
        state = todo.pop()
        if id(state) in seen:
            continue
        seen.add(id(state))
        kept = []
        for arc in state.arcs:
            target = arc.state
            if arc.action.kind == "eps" and target.is_end() and not target.arcs:
                state.status |= END
            else:
                kept.append(arc)
                todo.append(target)
        state.arcs = kept


def compile_expression(source):
    """The first state of the automaton of an expression (BadExpression if malformed)."""
    tokens = tokenize(source)
    if tokens is None:
        raise BadExpression
    first = State()
    build(first, 0, tokens, None)
    _remove_final_epsilons(first)
    return first


def longest_from(first, w, start):
    """The end of the match that starts at `start` (the reference's order), or FAIL."""
    n = len(w)
    frames = []          # [state, position, next arc]
    active = set()       # (state, position) on the path: an epsilon cycle fails

    def enter(state, i):
        if state.status & ERROR == ERROR:
            return STOP
        if i == n:
            return i if state.is_end() else FAIL
        if state.status & BEGINNING and i or (id(state), i) in active:
            return FAIL
        frames.append([state, i, 0])
        active.add((id(state), i))
        return None

    def leave(frame):
        state, i, _ = frame
        active.discard((id(state), i))
        if state.is_end() and not (state.status & ENDING and i != n):
            return i
        return FAIL

    result = enter(first, start)
    while frames:
        frame = frames[-1]
        if result is not None:                     # a child answered
            if result >= 0:
                return result
            if result == STOP:
                result = leave(frames.pop())
                continue
            result = None
        state, i, k = frame
        c, arcs = w[i], state.arcs
        while k < len(arcs):
            step = arcs[k].action.compare(c)
            k += 1
            if step:
                frame[2] = k
                result = enter(arcs[k - 1].state, i + 1 if step == 1 else i)
                break
        else:
            result = leave(frames.pop())
    return result


def matches_all(first, w):
    """True when some path of the automaton reads the whole of w."""
    n, seen, todo = len(w), set(), [(first, 0)]
    while todo:
        state, i = todo.pop()
        if (id(state), i) in seen or state.status & ERROR == ERROR:
            continue
        seen.add((id(state), i))
        if i == n:
            if state.is_end():
                return True
            continue
        c = w[i]
        for arc in reversed(state.arcs):
            step = arc.action.compare(c)
            if step:
                todo.append((arc.state, i + 1 if step == 1 else i))
    return False


def search_all(first, w, start):
    """The (start, end) of the successive matches from `start` (empty matches skipped)."""
    found, d, n = [], start, len(w)
    while d < n:
        end = longest_from(first, w, d)
        if end > d:
            found.append((d, end))
            d = end
        else:
            d += 1
    return found


def search(first, w, start):
    """(start, end) of the first match from `start`, or None."""
    for d in range(start, len(w)):
        end = longest_from(first, w, d)
        if end >= 0:
            return d, end
    return None
