"""Random values (the original's `random` library): `random`, `shuffle`, `uuid`, `random_choice`
and the `*_distribution` functions.

Every function takes the count `nb` first: `nb` 1 gives one value, any other count a typed list
(`numbers` for real distributions, `integers` for counting ones), `nb` <= 0 an empty one.
Parameters default as in the original: `(normal_distribution 3)` draws from N(0, 1).

    (normal_distribution 4 10 2)        ; (10.3 8.71 11.9 9.02): four draws of N(10, 2)
    (poisson_distribution 1 3)          ; 2
    (discrete_distribution 5 '(1 0 3))  ; (3 1 3 3 3): index i drawn with weight i, its value kept

The generator is Python's `random` module: each call draws its seed from it (numpy generators
do the sampling), so `torch_manual_seed`, which seeds Python's `random`, makes every result
reproducible.  The values differ from the original's C++ generators (docs/differences.md).
"""

import math
import random as _random
import uuid as _uuid

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin
from ..values import Floats, Integers, Numbers, Shorts
from ._common import SEQUENCES, as_number, type_error
from .lists import check_size


class _Numpy:
    """numpy, imported on first use: a program that draws no random number does not pay for
    importing it at start-up."""

    def __getattr__(self, name):
        import numpy
        return getattr(numpy, name)


np = _Numpy()


def _generator():
    """A numpy generator seeded from Python's `random` (so Python's seed decides its stream)."""
    return np.random.default_rng(_random.getrandbits(64))


def _count(nb, fname):
    """The number of values to draw: `nb` truncated to an integer (0 when negative)."""
    n = as_number(nb, fname)
    if isinstance(n, float) and not math.isfinite(n):
        raise type_error(fname, "a finite count", nb)
    return check_size(max(int(n), 0), fname)


def _param(value, fname, rule, what, name):
    """A distribution parameter as a float; `rule` (a predicate) must hold, else an error."""
    x = float(as_number(value, fname))
    if math.isnan(x) or not rule(x):
        raise LispError(f"Error: {fname}: {name} must be {what}, got {to_string(value)}", fname)
    return x


def _positive(value, fname, name):
    return _param(value, fname, lambda x: 0 < x < math.inf, "a positive number", name)


def _probability(value, fname, name, low_open=False):
    rule = (lambda x: 0 < x <= 1) if low_open else (lambda x: 0 <= x <= 1)
    what = "a probability in ]0, 1]" if low_open else "a probability in [0, 1]"
    return _param(value, fname, rule, what, name)


def _finite(value, fname, name):
    return _param(value, fname, math.isfinite, "a finite number", name)


def _draw(n, sample, integral=False):
    """One value when n is 1, else a typed list of n values, from `sample(generator, size)`."""
    values = sample(_generator(), 1 if n == 1 else n)
    if n == 1:
        return int(values[0]) if integral else float(values[0])
    if integral:
        return Integers.from_array(np.ascontiguousarray(values, dtype=np.int64))
    return Numbers.from_array(np.ascontiguousarray(values, dtype=np.float64))


@builtin("random")
def random_(nb):
    """A random integer between 0 and |nb| - 1 (nb is truncated; 0 counts as 1)."""
    bound = abs(int(_finite(nb, "random", "nb"))) or 1
    return _random.randrange(bound)


@builtin("shuffle")
def shuffle(liste):
    """Shuffle a list in place (uniformly at random); returns it."""
    if not isinstance(liste, SEQUENCES):
        raise LispError("Error: the 'shuffle' argument must be a list", "shuffle")
    _random.shuffle(liste)
    return liste


@builtin("uuid")
def uuid():
    """A random identifier of 32 characters, as the original's: xxxxxxxx-4xxx-1xxx-xxxx-xxxxxxxx."""
    h = _uuid.UUID(int=_random.getrandbits(128)).hex
    return f"{h[:8]}-4{h[9:12]}-1{h[13:16]}-{h[16:20]}-{h[20:28]}"


def _same_kind(liste, values):
    """`values` in a list of `liste`'s kind: typed lists keep their type, others give a list."""
    kind = type(liste)
    if kind in (Integers, Shorts, Numbers, Floats):
        return kind(values)
    return list(values)


@builtin("random_choice")
def random_choice(nb, liste, initial):
    """nb elements drawn uniformly from liste (one element when nb is 1); as in the original,
    every element has the weight initial/size (integer division): when that is 0, the first
    element is always drawn."""
    if not isinstance(liste, SEQUENCES):
        raise LispError("Error: The second parameter must be a list", "random_choice")
    n = _count(nb, "random_choice")
    size = len(liste)
    if n and not size:
        raise LispError("Error: random_choice: the list is empty", "random_choice")
    start = int(_finite(initial, "random_choice", "initial"))
    weight = start // size if n and start >= 0 else 1     # a negative initial: unsigned, huge
    pick = (lambda: liste[_random.randrange(size)]) if weight else (lambda: liste[0])
    if n == 1:
        return pick()
    return _same_kind(liste, [pick() for _ in range(n)])


@builtin("uniform_distribution")
def uniform_distribution(nb, alpha=0, beta=1):
    """nb numbers drawn uniformly from [alpha, beta[."""
    f = "uniform_distribution"
    a, b = _finite(alpha, f, "alpha"), _finite(beta, f, "beta")
    return _draw(_count(nb, f), lambda g, k: g.uniform(a, b, k))


@builtin("bernoulli_distribution")
def bernoulli_distribution(nb, alpha=0.5):
    """nb booleans, each true with probability alpha (one value, or a list of true/nil)."""
    f = "bernoulli_distribution"
    p = _probability(alpha, f, "alpha")
    n = _count(nb, f)
    flags = [True if _random.random() < p else None for _ in range(n)]
    return flags[0] if n == 1 else flags


@builtin("binomial_distribution")
def binomial_distribution(nb, alpha=1, beta=0.5):
    """nb integers: successes among alpha trials of probability beta."""
    f = "binomial_distribution"
    t = int(_param(alpha, f, lambda x: 0 <= x < 2 ** 63, "a count of trials >= 0", "alpha"))
    p = _probability(beta, f, "beta")
    return _draw(_count(nb, f), lambda g, k: g.binomial(t, p, k), integral=True)


@builtin("negative_binomial_distribution")
def negative_binomial_distribution(nb, alpha=1, beta=0.5):
    """nb integers: failures before alpha successes of probability beta."""
    f = "negative_binomial_distribution"
    k_ = int(_param(alpha, f, lambda x: 1 <= x < 2 ** 63, "a count of successes >= 1",
                    "alpha"))
    p = _probability(beta, f, "beta", low_open=True)
    return _draw(_count(nb, f), lambda g, k: g.negative_binomial(k_, p, k), integral=True)


@builtin("geometric_distribution")
def geometric_distribution(nb, alpha=0.5):
    """nb integers: failures before the first success of probability alpha."""
    f = "geometric_distribution"
    p = _probability(alpha, f, "alpha", low_open=True)
    return _draw(_count(nb, f), lambda g, k: g.geometric(p, k) - 1, integral=True)


@builtin("poisson_distribution")
def poisson_distribution(nb, alpha=1):
    """nb integers of a Poisson distribution of mean alpha."""
    f = "poisson_distribution"
    mean = _param(alpha, f, lambda x: 0 < x < 1e15, "a positive mean (below 1e15)", "alpha")
    return _draw(_count(nb, f), lambda g, k: g.poisson(mean, k), integral=True)


@builtin("exponential_distribution")
def exponential_distribution(nb, alpha):
    """nb numbers of an exponential distribution of rate alpha."""
    f = "exponential_distribution"
    rate = _positive(alpha, f, "alpha")
    return _draw(_count(nb, f), lambda g, k: g.exponential(1 / rate, k))


@builtin("gamma_distribution")
def gamma_distribution(nb, alpha, beta):
    """nb numbers of a gamma distribution of shape alpha and scale beta."""
    f = "gamma_distribution"
    shape, scale = _positive(alpha, f, "alpha"), _positive(beta, f, "beta")
    return _draw(_count(nb, f), lambda g, k: g.gamma(shape, scale, k))


@builtin("weibull_distribution")
def weibull_distribution(nb, alpha=1, beta=1):
    """nb numbers of a Weibull distribution of shape alpha and scale beta."""
    f = "weibull_distribution"
    shape, scale = _positive(alpha, f, "alpha"), _positive(beta, f, "beta")
    return _draw(_count(nb, f), lambda g, k: scale * g.weibull(shape, k))


@builtin("extreme_value_distribution")
def extreme_value_distribution(nb, alpha=0, beta=1):
    """nb numbers of an extreme value (Gumbel) distribution of location alpha and scale beta."""
    f = "extreme_value_distribution"
    loc, scale = _finite(alpha, f, "alpha"), _positive(beta, f, "beta")
    return _draw(_count(nb, f), lambda g, k: g.gumbel(loc, scale, k))


@builtin("normal_distribution")
def normal_distribution(nb, alpha=0, beta=1):
    """nb numbers of a normal distribution of mean alpha and standard deviation beta."""
    f = "normal_distribution"
    mean, sd = _finite(alpha, f, "alpha"), _positive(beta, f, "beta")
    return _draw(_count(nb, f), lambda g, k: g.normal(mean, sd, k))


@builtin("lognormal_distribution")
def lognormal_distribution(nb, alpha=0, beta=1):
    """nb numbers whose logarithm is normal, of mean alpha and standard deviation beta."""
    f = "lognormal_distribution"
    mean, sd = _finite(alpha, f, "alpha"), _positive(beta, f, "beta")
    return _draw(_count(nb, f), lambda g, k: g.lognormal(mean, sd, k))


@builtin("chi_squared_distribution")
def chi_squared_distribution(nb, alpha):
    """nb numbers of a chi-squared distribution of alpha degrees of freedom."""
    f = "chi_squared_distribution"
    df = _positive(alpha, f, "alpha")
    return _draw(_count(nb, f), lambda g, k: g.chisquare(df, k))


@builtin("cauchy_distribution")
def cauchy_distribution(nb, alpha=0, beta=1):
    """nb numbers of a Cauchy distribution of location alpha and scale beta."""
    f = "cauchy_distribution"
    loc, scale = _finite(alpha, f, "alpha"), _positive(beta, f, "beta")
    return _draw(_count(nb, f), lambda g, k: loc + scale * g.standard_cauchy(k))


@builtin("fisher_distribution")
def fisher_distribution(nb, alpha=1, beta=1):
    """nb numbers of a Fisher F distribution of alpha and beta degrees of freedom."""
    f = "fisher_distribution"
    d1, d2 = _positive(alpha, f, "alpha"), _positive(beta, f, "beta")
    return _draw(_count(nb, f), lambda g, k: g.f(d1, d2, k))


@builtin("student_distribution")
def student_distribution(nb, alpha=1):
    """nb numbers of a Student t distribution of alpha degrees of freedom."""
    f = "student_distribution"
    df = _positive(alpha, f, "alpha")
    return _draw(_count(nb, f), lambda g, k: g.standard_t(df, k))


def _numbers(liste, fname, what):
    """The elements of a list (or one value) as floats, for weights and boundaries."""
    items = liste if isinstance(liste, SEQUENCES) else [liste]
    return [_param(x, fname, math.isfinite, "a finite number", what) for x in items]


def _weights(liste, fname):
    w = _numbers(liste, fname, "a weight")
    if not w or min(w) < 0 or sum(w) <= 0:
        raise LispError(f"Error: {fname}: the weights must be >= 0 and not all 0", fname)
    return np.array(w) / sum(w)


@builtin("discrete_distribution")
def discrete_distribution(nb, liste):
    """nb elements of liste, element i drawn with the probability liste[i] / sum(liste)."""
    f = "discrete_distribution"
    n = _count(nb, f)
    values = liste if isinstance(liste, SEQUENCES) else [liste]
    p = _weights(values, f)
    indexes = _generator().choice(len(p), n, p=p).tolist()
    if n == 1:
        return values[indexes[0]]
    kind = type(liste) if type(liste) in (Integers, Shorts, Floats) else Numbers
    return kind(float(values[i]) if kind in (Numbers, Floats) else values[i] for i in indexes)


def _intervals(liste, inter, fname, linear):
    """Checked boundaries and per-interval (or per-boundary) weights of a piecewise law."""
    bounds = _numbers(liste, fname, "a boundary")
    if len(bounds) < 2 or any(b >= c for b, c in zip(bounds, bounds[1:])):
        raise LispError(f"Error: {fname}: the boundaries must be at least two increasing "
                        "numbers", fname)
    weights = _numbers(inter, fname, "a weight")
    expected = len(bounds) if linear else len(bounds) - 1
    if len(weights) != expected or min(weights) < 0 or sum(weights) <= 0:
        raise LispError(f"Error: {fname}: expects {expected} weights >= 0, not all 0 "
                        f"(one per {'boundary' if linear else 'interval'})", fname)
    return np.array(bounds), np.array(weights)


@builtin("piecewise_constant_distribution")
def piecewise_constant_distribution(nb, liste, inter):
    """nb numbers drawn in the intervals of the boundaries liste, interval i with density
    inter[i] (one weight per interval)."""
    f = "piecewise_constant_distribution"
    b, w = _intervals(liste, inter, f, linear=False)
    mass = w * np.diff(b)

    def sample(g, k):
        i = g.choice(len(mass), k, p=mass / mass.sum())
        return b[i] + g.random(k) * (b[i + 1] - b[i])
    return _draw(_count(nb, f), sample)


@builtin("piecewise_linear_distribution")
def piecewise_linear_distribution(nb, liste, inter):
    """nb numbers drawn between the boundaries liste with a density varying linearly between
    the weights inter (one weight per boundary)."""
    f = "piecewise_linear_distribution"
    b, w = _intervals(liste, inter, f, linear=True)
    width = np.diff(b)
    mass = (w[:-1] + w[1:]) / 2 * width

    def sample(g, k):
        i = g.choice(len(mass), k, p=mass / mass.sum())
        lo, hi, u = w[i], w[i + 1], g.random(k)
        # inverse of the trapezoid's cumulative density on [0, 1], for u uniform
        slope = hi - lo
        flat = np.abs(slope) < 1e-12 * np.maximum(lo + hi, 1e-300)
        root = np.sqrt(lo * lo + slope * u * (lo + hi))
        t = np.where(flat, u, (root - lo) / np.where(flat, 1, slope))
        return b[i] + t * width[i]
    return _draw(_count(nb, f), sample)
