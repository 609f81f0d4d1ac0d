"""Ontologies (the original's `ontology` library): named concepts as sets of bits.

An ontology starts with the concept `_absurd` (index 0).  Each concept created in it gets the
next index: its description is its own bit plus the bits of the concept it is built from, so a
concept contains every concept it derives from.

    (setq zoo (ontology "zoo"))
    (setq animal (ontology_create zoo "animal"))
    (setq dog (ontology_create zoo "dog" animal))   ; dog is an animal
    (ontology_contain dog animal)                   ; true
    (ontology_list dog)                             ; (dog animal)

`size` gives a concept's number of bits (an ontology's number of concepts); `=` compares
descriptions; `loop` walks the concepts of an ontology in creation order.
"""

from ..errors import LispError
from ..registry import builtin
from ..values import register_type_name
from ._common import SEQUENCES

_WORD = 64     # the original keeps a concept's bits in 64-bit words


class Ontology:
    """A named set of concepts, by name and by index."""

    def __init__(self, name):
        self.name = name
        self.concepts = []          # index -> Concept
        self.by_name = {}
        self.absurd = self.create("_absurd")

    def create(self, name, base=None):
        """The concept `name` (made, with base's bits and a new one, if it does not exist)."""
        if base is not None and base is base.ontology.absurd:
            return base
        concept = self.by_name.get(name)
        if concept is None:
            index = len(self.concepts)
            concept = Concept(self, name, index, (base.bits if base else 0) | 1 << index)
            self.concepts.append(concept)
            self.by_name[name] = concept
        return concept

    def __len__(self):
        return len(self.concepts)

    def __iter__(self):
        return iter(list(self.concepts))

    def __str__(self):
        return self.name


class Concept:
    """A concept: its name, its index in its ontology and its description (an int of bits)."""

    def __init__(self, ontology, name, index, bits):
        self.ontology, self.name, self.index, self.bits = ontology, name, index, bits

    def __len__(self):
        return bin(self.bits).count("1")

    def __eq__(self, other):
        return isinstance(other, Concept) and other.bits == self.bits

    __hash__ = object.__hash__

    def __str__(self):
        return self.name


register_type_name(Ontology, "ontology_")
register_type_name(Concept, "concept_")


def _ontology(h):
    if not isinstance(h, Ontology):
        raise LispError("Error: the first argument should be an ontology")
    return h


def _concept(c, message="Error: the last element should be a 'concept'"):
    if not isinstance(c, Concept):
        raise LispError(message)
    return c


def _same(a, b, message="Error: these concepts do not belong to the same ontology"):
    if a.ontology is not b.ontology:
        raise LispError(message)


def _compared(a, b):
    if not isinstance(a, Concept) or not isinstance(b, Concept):
        raise LispError("Error: We can only compare concepts")
    _same(a, b)
    return a, b


def _concepts(a, message):
    """`a` as a list of concepts (a concept or a list of them), else the error `message`."""
    items = list(a) if isinstance(a, SEQUENCES) else [a]
    if not all(isinstance(c, Concept) for c in items):
        raise LispError(message)
    return items


@builtin("ontology")
def ontology(name):
    """A new ontology called name, holding the concept _absurd."""
    return Ontology(str(name))


@builtin("ontology_ontology")
def ontology_ontology(conc):
    """The ontology in which the concept conc is declared."""
    return _concept(conc, "Error: the first argument should be a concept").ontology


@builtin("ontology_create")
def ontology_create(h, name, conc=None):
    """The concept called name in h, created if needed (from the concept conc when given)."""
    h = _ontology(h)
    if conc is not None:
        _concept(conc)
    return h.create(str(name), conc)


@builtin("ontology_concept")
def ontology_concept(h, name):
    """The concept of h called name (an error when there is none)."""
    concept = _ontology(h).by_name.get(str(name))
    if concept is None:
        raise LispError("Error: unknown concept")
    return concept


@builtin("ontology_contain")
def ontology_contain(large_conc, conc):
    """True when large_conc contains every bit of conc."""
    large, small = _compared(large_conc, conc)
    return large.bits & small.bits == small.bits


@builtin("ontology_intersect")
def ontology_intersect(conc, a):
    """True when the two concepts have a concept in common."""
    left, right = _compared(conc, a)
    return left.bits & right.bits != 0


@builtin("ontology_add")
def ontology_add(conc, a):
    """Enrich conc (in place) with the concept a, or with each concept of the list a."""
    message = "Error: We can only enrich with concepts"
    conc = _concept(conc, message)
    for other in _concepts(a, message):
        _same(conc, other)
        conc.bits |= other.bits
    return conc


def _words(bits):
    """The ranks of the non-zero 64-bit words of `bits`."""
    mask = (1 << _WORD) - 1
    return {r for r in range(bits.bit_length() // _WORD + 1) if bits >> (r * _WORD) & mask}


def _remove(conc, other):
    """Remove other's bits from conc; as in the original, the concept keeps its own bit when a
    word of its description empties at or after its own word."""
    if other is conc:
        conc.bits = 1 << conc.index if conc.index else 0
    else:
        _same(conc, other)
        bits = conc.bits & ~other.bits
        emptied = _words(conc.bits) - _words(bits)
        if emptied and conc.index and conc.index // _WORD <= max(emptied):
            bits |= 1 << conc.index
        conc.bits = bits
    return conc if conc.bits else conc.ontology.absurd


@builtin("ontology_remove")
def ontology_remove(conc, a):
    """Remove the concept a (or each concept of the list a) from conc, in place."""
    message = "Error: We can only remove a concept from another concept"
    conc = _concept(conc, message)
    if isinstance(a, Concept):
        return _remove(conc, a)
    for other in _concepts(a, message):
        _remove(conc, other)
    return conc


@builtin("ontology_list")
def ontology_list(conc):
    """The concepts in the description of conc, the most recent first."""
    conc = _concept(conc)
    concepts = conc.ontology.concepts
    return [concepts[i] for i in range(conc.bits.bit_length() - 1, -1, -1) if conc.bits >> i & 1]


@builtin("ontology_find")
def ontology_find(h, conc):
    """The name of the concept of h whose description equals conc's ("" when none does)."""
    h = _ontology(h)
    conc = _concept(conc)
    if conc.ontology is not h:
        raise LispError("Error: this concept does not belong to this ontology")
    return next((c.name for c in h.concepts if c.bits == conc.bits), "")


@builtin("ontology_absurd")
def ontology_absurd(h):
    """The _absurd concept of the ontology h."""
    return _ontology(h).absurd


@builtin("ontology_absurdp")
def ontology_absurdp(conc):
    """True when conc is the _absurd concept of its ontology."""
    conc = _concept(conc, "Error: the first argument should be a concept")
    return conc is conc.ontology.absurd


@builtin("ontology_all")
def ontology_all(h):
    """Every concept of h, _absurd included, in creation order."""
    return list(_ontology(h).concepts)
