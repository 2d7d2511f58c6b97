"""Toy 2-D classification datasets, in pure Python.

Each is a function `(n=100, noise=..., seed=0) -> (X, y)`: `X` is a list of
`n` points `[x1, x2]` (floats) and `y` the list of their class indices
0..K-1. The same seed gives the same data on every machine: each call draws
from its own `random.Random(seed)`, never from the global `random` module.

    >>> X, y = moons(n=100, noise=0.1, seed=0)
    >>> X, y = load('spirals', classes=3)     # by name

Classes are as balanced as n allows, and points are shuffled.
"""

import functools
import math
import random

from autograd._validate import check_int, check_real


def moons(n=100, noise=0.1, seed=0):
    """Two interleaving half circles: class 0 is the upper arc
    (cos t, sin t), class 1 the lower arc (1 - cos t, 1/2 - sin t),
    t in [0, pi], plus Gaussian noise of standard deviation `noise`."""
    rng = _start('moons', n, noise, seed)
    points = []
    for label, size in enumerate(_class_sizes(n, 2)):
        for t in _linspace(0.0, math.pi, size):
            if label == 0:
                points.append((math.cos(t), math.sin(t), 0))
            else:
                points.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1))
    return _finish(rng, points, noise)


def circles(n=100, noise=0.05, seed=0, factor=0.5):
    """A circle of radius 1 (class 0) around one of radius `factor` (class 1),
    plus Gaussian noise of standard deviation `noise`."""
    rng = _start('circles', n, noise, seed)
    check_real('circles', 'factor', factor, above=0.0, below=1.0)
    points = []
    for label, size in enumerate(_class_sizes(n, 2)):
        radius = 1.0 if label == 0 else float(factor)
        for i in range(size):
            t = 2.0 * math.pi * i / size
            points.append((radius * math.cos(t), radius * math.sin(t), label))
    return _finish(rng, points, noise)


_DEFAULT_CLASSES = 3


def spirals(n=100, noise=0.2, seed=0, classes=_DEFAULT_CLASSES):
    """`classes` interleaved spiral arms: arm k has points at radius r in
    [0, 1] and angle 4 (k + r) + noise, with Gaussian angle noise of standard
    deviation `noise` (radians), as in the CS231n example."""
    rng = _start('spirals', n, noise, seed)
    classes = _check_classes('spirals', classes, n)
    points = []
    for label, size in enumerate(_class_sizes(n, classes)):
        for r in _linspace(0.0, 1.0, size):
            angle = 4.0 * (label + r) + rng.gauss(0.0, noise) if noise else 4.0 * (label + r)
            points.append((r * math.sin(angle), r * math.cos(angle), label))
    return _finish(rng, points, 0.0)


def xor(n=100, noise=0.1, seed=0):
    """Points uniform in the four quadrants of [-1, 1]**2, class 1 where
    exactly one coordinate is negative (x1 * x2 < 0), then moved by Gaussian
    noise of standard deviation `noise` (so some land across an axis)."""
    rng = _start('xor', n, noise, seed)
    points = []
    for _ in range(n):
        x1 = rng.uniform(-1.0, 1.0)
        x2 = rng.uniform(-1.0, 1.0)
        points.append((x1, x2, 1 if (x1 < 0.0) != (x2 < 0.0) else 0))
    return _finish(rng, points, noise)


def blobs(n=100, noise=0.5, seed=0, classes=_DEFAULT_CLASSES):
    """`classes` Gaussian clusters of standard deviation `noise`, centred
    evenly on a circle of radius 2 (centre k at angle 2 pi k / classes)."""
    rng = _start('blobs', n, noise, seed)
    classes = _check_classes('blobs', classes, n)
    points = []
    for label, size in enumerate(_class_sizes(n, classes)):
        angle = 2.0 * math.pi * label / classes
        points += [(2.0 * math.cos(angle), 2.0 * math.sin(angle), label)] * size
    return _finish(rng, points, noise)


# The most points a dataset makes: a million take a few seconds and about
# 350 MB to make in pure Python, and far longer to train on.
MAX_POINTS = 1_000_000

DATASETS = {'moons': moons, 'circles': circles, 'spirals': spirals, 'xor': xor, 'blobs': blobs}

# The datasets with a `classes` option; the others have two classes.
MULTICLASS = ('spirals', 'blobs')


def load(name, **options):
    """`load('moons', n=200, noise=0.2)` is `moons(n=200, noise=0.2)`.

    An option given as None takes the dataset's default, so a caller can
    pass on whatever it was given. `classes` belongs to the datasets of
    MULTICLASS; the others accept only classes=2 (or None).
    """
    try:
        make = DATASETS[name]
    except (KeyError, TypeError):
        raise ValueError(f'unknown dataset {name!r}; valid names: {", ".join(sorted(DATASETS))}') from None
    options = {key: value for key, value in options.items() if value is not None}
    classes = class_count(name, options.get('classes'))
    if name not in MULTICLASS:
        options.pop('classes', None)
    else:
        options['classes'] = classes
    return make(**options)


def class_count(name, classes=None, n=None):
    """How many classes `load(name, classes=classes, n=n)` makes: `classes`
    (None for the dataset's default) for the datasets of MULTICLASS, 2 for
    the others, which refuse any other number. Known, and checked against
    `n` if given, before any point is made."""
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f'unknown dataset {name!r}; valid names: {", ".join(sorted(DATASETS))}')
    if name not in MULTICLASS:
        if classes is not None and classes != 2:
            raise ValueError(f'{name} has 2 classes, not {classes!r}; '
                             f'{" and ".join(MULTICLASS)} take a number of classes')
        return 2
    if classes is None:
        classes = _DEFAULT_CLASSES
    return _check_classes(name, classes, n)


def num_classes(y):
    """K for labels 0..K-1 (the largest label plus one)."""
    return max(y) + 1


# --------------------------------------------------------------------------
# Helpers


def _start(name, n, noise, seed):
    """Check the common arguments; return the dataset's private random stream."""
    check_int(name, 'n', n, minimum=1)
    if n > MAX_POINTS:
        raise ValueError(f'{name}: n must be at most {MAX_POINTS:,} (a pure-Python dataset), got {n:,}')
    check_real(name, 'noise', noise, minimum=0.0)
    check_int(name, 'seed', seed)
    return random.Random(seed)


def _check_classes(name, classes, n):
    check_int(name, 'classes', classes, minimum=2)
    if n is not None and classes > n:
        raise ValueError(f'{name}: {classes} classes need at least {classes} points, got n={n}')
    return classes


def _class_sizes(n, classes):
    """n split into `classes` sizes differing by at most one, larger first."""
    return [n // classes + (1 if k < n % classes else 0) for k in range(classes)]


def _linspace(start, stop, count):
    if count == 1:
        return [start]
    return [start + (stop - start) * i / (count - 1) for i in range(count)]


def _finish(rng, points, noise):
    """Add the noise, shuffle, split into X and y."""
    gauss = rng.gauss
    if noise:
        points = [(x1 + gauss(0.0, noise), x2 + gauss(0.0, noise), label) for x1, x2, label in points]
    rng.shuffle(points)
    X = [[float(x1), float(x2)] for x1, x2, _ in points]
    y = [label for _, _, label in points]
    return X, y


# --------------------------------------------------------------------------
# Words: first names, for the character-level language model of nn/gpt.py


def names(seed=0):
    """The 5,163 first names of the 1990 US Census lists (public domain), as a
    list of lowercase strings of the letters a-z, 2 to 11 letters long.

    The order is a shuffle by `random.Random(seed)`: the same seed gives the
    same order on every machine; `seed=None` gives the file's alphabetical
    order. The file, nn/data/names.txt, ships inside the package (its source
    and licence are in nn/data/NAMES_SOURCE.md); nothing is downloaded.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f'names: seed must be an int or None, got {seed!r}')
    words = list(_names_file())
    if seed is not None:
        random.Random(seed).shuffle(words)
    return words


@functools.lru_cache(maxsize=None)
def _names_file():
    """The names in nn/data/names.txt, as a tuple, read once."""
    from importlib.resources import files  # lazy: only when names are wanted

    return tuple((files(__package__) / 'data' / 'names.txt').read_text(encoding='ascii').split())
