"""nn.datasets: shapes, balance, geometry without noise, determinism, lookup by name."""

import math
import random
from collections import Counter

import pytest

from nn import datasets

ALL = sorted(datasets.DATASETS)


@pytest.mark.parametrize('name', ALL)
@pytest.mark.parametrize('n', [1, 7, 100])
def test_shapes_and_balance(name, n):
    classes = 3 if name in ('spirals', 'blobs') else 2
    if n < classes and name in ('spirals', 'blobs'):
        with pytest.raises(ValueError, match='need at least'):
            datasets.load(name, n=n)
        return
    X, y = datasets.load(name, n=n)
    assert len(X) == len(y) == n
    assert all(isinstance(p, list) and len(p) == 2 and all(type(v) is float for v in p) for p in X)
    assert all(type(label) is int and 0 <= label < classes for label in y)
    if name != 'xor':  # xor labels depend on where the points fall
        counts = Counter(y)
        assert max(counts.values()) - min(counts.get(k, 0) for k in range(classes)) <= 1


@pytest.mark.parametrize('name', ALL)
def test_deterministic_for_a_seed_and_private(name):
    state = random.getstate()
    first = datasets.load(name, seed=3)
    second = datasets.load(name, seed=3)
    assert random.getstate() == state
    assert first == second
    assert datasets.load(name, seed=4) != first


def test_moons_geometry_without_noise():
    X, y = datasets.moons(n=50, noise=0.0)
    for (x1, x2), label in zip(X, y):
        if label == 0:  # upper arc of the unit circle
            assert math.hypot(x1, x2) == pytest.approx(1.0) and x2 >= -1e-12
        else:  # lower arc centred at (1, 0.5)
            assert math.hypot(x1 - 1.0, x2 - 0.5) == pytest.approx(1.0) and x2 <= 0.5 + 1e-12


def test_circles_radii_without_noise():
    X, y = datasets.circles(n=40, noise=0.0, factor=0.3)
    for (x1, x2), label in zip(X, y):
        assert math.hypot(x1, x2) == pytest.approx(1.0 if label == 0 else 0.3)


def test_xor_labels_without_noise():
    X, y = datasets.xor(n=200, noise=0.0)
    assert all(label == (1 if x1 * x2 < 0 else 0) for (x1, x2), label in zip(X, y))
    assert 60 < sum(y) < 140


def test_spirals_and_blobs_class_count():
    for make in (datasets.spirals, datasets.blobs):
        X, y = make(n=100, classes=5)
        assert set(y) == set(range(5))


def test_blobs_are_centred_on_a_circle():
    X, y = datasets.blobs(n=3000, classes=4, noise=0.3)
    for k in range(4):
        points = [p for p, label in zip(X, y) if label == k]
        mean = [sum(p[i] for p in points) / len(points) for i in range(2)]
        angle = 2 * math.pi * k / 4
        assert mean == pytest.approx([2 * math.cos(angle), 2 * math.sin(angle)], abs=0.05)


def test_noise_moves_points_by_about_its_size():
    clean, _ = datasets.circles(n=2000, noise=0.0)
    noisy, _ = datasets.circles(n=2000, noise=0.1)
    radii = sorted(math.hypot(*p) for p in noisy)
    # half the points on each radius, 1.0 and 0.5: the spread around them is ~ the noise
    outer = [abs(r - 1.0) for r in radii[1000:]]
    assert 0.05 < sum(outer) / len(outer) < 0.15
    assert len(clean) == 2000


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown dataset 'moon'; valid names: blobs, circles, moons, spirals, xor"):
        datasets.load('moon')


@pytest.mark.parametrize('kwargs, error, message', [
    (dict(n=0), ValueError, 'moons: n must be a positive int'),
    (dict(n=2.5), TypeError, 'moons: n must be a positive int'),
    (dict(n='2'), TypeError, 'moons: n must be a positive int'),
    (dict(noise=-0.1), ValueError, 'noise must be >= 0'),
    (dict(seed='a'), TypeError, 'seed must be an int'),
])
def test_bad_arguments(kwargs, error, message):
    # TypeError for the wrong kind of argument, ValueError for a wrong value.
    with pytest.raises(error, match=message):
        datasets.moons(**kwargs)
    with pytest.raises(ValueError, match='classes must be an int >= 2'):
        datasets.spirals(classes=1)
    with pytest.raises(ValueError, match='factor must be < 1'):
        datasets.circles(factor=1.5)


def test_load_passes_classes_only_where_they_belong():
    # None means the dataset's own default, so a caller can pass on what it got.
    assert datasets.load('moons', n=20, noise=None, classes=None) == datasets.moons(n=20)
    assert datasets.load('moons', n=20, classes=2) == datasets.moons(n=20)
    assert datasets.load('blobs', n=20, classes=None) == datasets.blobs(n=20)
    assert datasets.load('spirals', n=20, classes=4) == datasets.spirals(n=20, classes=4)
    with pytest.raises(ValueError, match='xor has 2 classes, not 3; spirals and blobs take'):
        datasets.load('xor', classes=3)
    for name in datasets.DATASETS:
        y = datasets.load(name, n=30, seed=1)[1]
        expected = 3 if name in datasets.MULTICLASS else 2
        assert sorted(set(y)) == list(range(expected))
        assert datasets.num_classes(y) == expected


def test_class_count_is_known_before_any_point_is_made():
    for name in datasets.DATASETS:
        y = datasets.load(name, n=12)[1]
        assert datasets.class_count(name) == datasets.num_classes(y)
    assert datasets.class_count('blobs', 5000) == 5000  # a count, not a promise that it fits
    with pytest.raises(ValueError, match='blobs: 5000 classes need at least 5000 points, got n=100'):
        datasets.class_count('blobs', 5000, n=100)
    assert datasets.class_count('spirals', n=3) == 3
    assert datasets.class_count('moons', 2) == 2
    with pytest.raises(ValueError, match='moons has 2 classes, not 5'):
        datasets.class_count('moons', 5)
    with pytest.raises(ValueError, match='spirals: classes must be an int >= 2, got 1'):
        datasets.class_count('spirals', 1)
    with pytest.raises(ValueError, match="unknown dataset 'moon'"):
        datasets.class_count('moon')


def test_at_most_a_million_points():
    for name in datasets.DATASETS:
        # refused before a point is made: 10**12 points would take hours and terabytes
        with pytest.raises(ValueError, match=f'{name}: n must be at most 1,000,000 .* got 1,000,000,000,000'):
            datasets.load(name, n=10**12)
