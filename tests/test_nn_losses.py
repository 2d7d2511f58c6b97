"""nn.losses: hand-computed values and gradients, gradcheck, stability, target conventions."""

import math

import pytest
from hypothesis import given, settings, strategies as st

from autograd import Value, gradcheck
from nn import losses


def values(*numbers):
    return [Value(float(x)) for x in numbers]


def softplus(z):
    """log(1 + e**z) by hand, in a form that is exact enough for any z."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


# --------------------------------------------------------------------------
# Hand-computed values and gradients


def test_mse_by_hand():
    outputs = values(1.0, 3.0)
    loss = losses.mse(outputs, [0.0, 1.0])
    assert loss.data == pytest.approx((1.0 + 4.0) / 2)
    loss.backward()
    assert [o.grad for o in outputs] == pytest.approx([2 * 1.0 / 2, 2 * 2.0 / 2])


def test_mse_with_several_outputs_per_sample():
    rows = [values(1.0, 0.0), values(0.0, 2.0)]
    loss = losses.mse(rows, [[0.0, 0.0], [0.0, 0.0]])
    assert loss.data == pytest.approx((1 + 0 + 0 + 4) / 4)


@pytest.mark.parametrize('targets', [[1, 1, -1, 1], [1, 1, 0, 1]])
def test_hinge_by_hand(targets):
    scores = values(0.5, -2.0, 3.0, 1.5)
    loss = losses.hinge(scores, targets)
    # max(0, 1 - y s): 0.5, 3, 4, 0
    assert loss.data == pytest.approx((0.5 + 3.0 + 4.0 + 0.0) / 4)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([-1 / 4, -1 / 4, 1 / 4, 0.0])


@pytest.mark.parametrize('targets', [[1, 0, 1, 0], [1, -1, 1, -1]])
def test_binary_cross_entropy_by_hand(targets):
    logits = [0.3, -1.2, -4.0, 2.5]
    t = [1, 0, 1, 0]
    zs = values(*logits)
    loss = losses.binary_cross_entropy(zs, targets)
    expected = sum(softplus(z) - ti * z for z, ti in zip(logits, t)) / 4
    assert loss.data == pytest.approx(expected, rel=1e-12)
    # the logistic loss ln(1 + e**(-y z)), y = 2t - 1, is the same number
    logistic = sum(math.log(1 + math.exp(-(2 * ti - 1) * z)) for z, ti in zip(logits, t)) / 4
    assert loss.data == pytest.approx(logistic, rel=1e-12)
    loss.backward()
    for z, ti, node in zip(logits, t, zs):
        assert node.grad == pytest.approx((1 / (1 + math.exp(-z)) - ti) / 4, rel=1e-10)


def test_binary_cross_entropy_is_stable_for_huge_logits():
    zs = values(800.0, -800.0, 800.0, -800.0)
    loss = losses.bce(zs, [1, 0, 0, 1])
    # right with confidence: ~0; wrong with confidence: |z|
    assert loss.data == pytest.approx((0 + 0 + 800 + 800) / 4)
    loss.backward()
    assert [z.grad for z in zs] == pytest.approx([0.0, 0.0, 0.25, -0.25])


def test_binary_cross_entropy_soft_targets():
    z = Value(0.4)
    loss = losses.binary_cross_entropy([z], [0.25])
    assert loss.data == pytest.approx(softplus(0.4) - 0.25 * 0.4)


def test_cross_entropy_by_hand():
    rows = [values(1.0, 2.0, 0.5), values(-1.0, 0.0, 3.0)]
    targets = [0, 2]
    loss = losses.cross_entropy(rows, targets)
    expected = 0.0
    for row, target in zip([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]], targets):
        expected += math.log(sum(math.exp(z) for z in row)) - row[target]
    assert loss.data == pytest.approx(expected / 2, rel=1e-12)
    loss.backward()
    raw = [1.0, 2.0, 0.5]
    total = sum(math.exp(z) for z in raw)
    for k, node in enumerate(rows[0]):
        assert node.grad == pytest.approx((math.exp(raw[k]) / total - (k == 0)) / 2, rel=1e-10)


def test_cross_entropy_is_stable_for_huge_logits():
    row = values(1000.0, 990.0)
    loss = losses.cross_entropy(row, 1)  # one sample: a row and its class
    assert loss.data == pytest.approx(10.0 + math.log1p(math.exp(-10.0)), rel=1e-12)
    loss.backward()
    assert row[0].grad == pytest.approx(1 / (1 + math.exp(-10)), rel=1e-10)


def test_l2_penalty_by_hand():
    params = values(1.0, -2.0, 0.5)
    penalty = losses.l2_penalty(params, alpha=0.1)
    assert penalty.data == pytest.approx(0.1 * (1 + 4 + 0.25))
    penalty.backward()
    assert [p.grad for p in params] == pytest.approx([0.2, -0.4, 0.1])


# --------------------------------------------------------------------------
# gradcheck against central differences, on random inputs

finite = st.floats(-3, 3, allow_nan=False)


@settings(max_examples=25, deadline=None)
@given(st.lists(finite, min_size=2, max_size=5), st.data())
def test_gradcheck_binary_losses(scores, data):
    labels = data.draw(st.lists(st.sampled_from([0, 1]), min_size=len(scores), max_size=len(scores)))
    # hinge has a kink at margin 1: keep inputs off it
    scores = [s if abs(1 - (2 * t - 1) * s) > 1e-3 else s + 0.01 for s, t in zip(scores, labels)]
    for loss in (losses.hinge, losses.binary_cross_entropy, losses.mse):
        report = gradcheck(lambda *zs: loss(list(zs), labels), scores)
        assert report.ok, (loss.__name__, report)


@settings(max_examples=20, deadline=None)
@given(st.lists(finite, min_size=6, max_size=6), st.lists(st.integers(0, 2), min_size=2, max_size=2))
def test_gradcheck_cross_entropy(logits, targets):
    def f(*zs):
        return losses.cross_entropy([list(zs[:3]), list(zs[3:])], targets)
    report = gradcheck(f, logits)
    assert report.ok, report


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(2, 4), st.data())
def test_mse_gradient_with_several_outputs_per_sample(n, k, data):
    """N samples of K > 1 outputs: the gradient is 2 (o - t) / (N K), checked
    against central differences of a mean written here, and against the formula."""
    numbers = st.lists(finite, min_size=n * k, max_size=n * k)
    flat_outputs, flat_targets = data.draw(numbers), data.draw(numbers)
    rows = lambda flat: [list(flat[i * k:(i + 1) * k]) for i in range(n)]  # noqa: E731
    targets = rows(flat_targets)

    def reference(flat):
        return sum((o - t) ** 2 for o, t in zip(flat, flat_targets)) / (n * k)

    outputs = values(*flat_outputs)
    loss = losses.mse(rows(outputs), targets)
    assert loss.data == pytest.approx(reference(flat_outputs), rel=1e-12, abs=1e-12)
    loss.backward()
    eps = 1e-6
    for i, output in enumerate(outputs):
        up, down = list(flat_outputs), list(flat_outputs)
        up[i] += eps
        down[i] -= eps
        numeric = (reference(up) - reference(down)) / (2 * eps)
        assert output.grad == pytest.approx(numeric, rel=1e-5, abs=1e-6)
        assert output.grad == pytest.approx(2 * (flat_outputs[i] - flat_targets[i]) / (n * k),
                                            rel=1e-12, abs=1e-15)


def test_bce_gradient_is_the_mean_of_sigmoid_minus_target():
    logits = values(0.5, -2.0, 3.0)
    targets = [1, 0, 0]
    losses.binary_cross_entropy(logits, targets).backward()
    for z, t in zip(logits, targets):
        assert z.grad == pytest.approx((1 / (1 + math.exp(-z.data)) - t) / 3, rel=1e-12)


def test_gradcheck_l2_penalty():
    assert gradcheck(lambda *ps: losses.l2_penalty(list(ps), 0.3), [0.5, -1.5, 2.0]).ok


# --------------------------------------------------------------------------
# Bad targets and shapes


@pytest.mark.parametrize('call, message', [
    (lambda: losses.hinge(values(1, 2), [1, 2]), r'labels in \{-1, \+1\}'),
    (lambda: losses.hinge(values(1, 2), [0, -1]), r'labels in \{-1, \+1\}'),
    (lambda: losses.bce(values(1, 2), [2, 0]), r'in \[0, 1\]'),
    (lambda: losses.mse(values(1, 2), [1]), '2 outputs but 1 targets'),
    (lambda: losses.mse([], []), 'no samples'),
    (lambda: losses.cross_entropy([values(1, 2)], [2]), r'class index\) must be an int from 0 to 1'),
    (lambda: losses.cross_entropy(values(1, 2), [0, 1]), 'list of K >= 2 logits'),
    (lambda: losses.l2_penalty(values(1), alpha=-1), 'alpha must be >= 0'),
    (lambda: losses.get('huber'), "unknown loss 'huber'; choose one of hinge, bce, mse, cross_entropy"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_target_of_the_wrong_kind_is_a_type_error():
    with pytest.raises(TypeError, match="mse: a target must be a number, got str 'a'"):
        losses.mse(values(1), ['a'])
    with pytest.raises(TypeError, match='cross_entropy: a target'):
        losses.cross_entropy([values(1, 2)], [0.5])


def test_single_output_is_a_batch_of_one():
    assert losses.hinge(Value(0.25), 1).data == pytest.approx(0.75)
    assert losses.mse(Value(3.0), 1.0).data == pytest.approx(4.0)


# --------------------------------------------------------------------------
# Classifiers: which loss, how many outputs, which targets


@pytest.mark.parametrize('name, classes, chosen, outputs', [
    ('auto', 2, 'hinge', 1),
    ('auto', 3, 'cross_entropy', 3),
    ('hinge', 2, 'hinge', 1),
    ('bce', 2, 'bce', 1),
    ('mse', 2, 'mse', 1),
    ('mse', 4, 'mse', 4),
    ('cross_entropy', 2, 'cross_entropy', 2),
    ('cross_entropy', 5, 'cross_entropy', 5),
])
def test_loss_and_outputs_for_a_number_of_classes(name, classes, chosen, outputs):
    assert losses.for_classes(name, classes) == chosen
    assert losses.num_outputs(name, classes) == outputs


@pytest.mark.parametrize('name', losses.BINARY)
def test_binary_losses_refuse_more_than_two_classes(name):
    with pytest.raises(ValueError, match=f"'{name}' is for 2 classes, but there are 3"):
        losses.for_classes(name, 3)
    with pytest.raises(ValueError, match="unknown loss 'huber'"):
        losses.for_classes('huber', 2)


def test_class_targets():
    y = [0, 2, 1]
    assert losses.class_targets('cross_entropy', y, 3) == y
    assert losses.class_targets('mse', y, 3) == [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    assert losses.class_targets('mse', [0, 1], 1) == [-1.0, 1.0]
    assert losses.class_targets('hinge', [1, 0], 1) == [1, 0]
    with pytest.raises(ValueError, match='cross_entropy needs a model with one output per class'):
        losses.class_targets('cross_entropy', y, 2)
    with pytest.raises(ValueError, match="'bce' needs a model with 1 output, this one has 2"):
        losses.class_targets('bce', [0, 1], 2)
    with pytest.raises(ValueError, match='mse with 2 outputs cannot fit 3 classes'):
        losses.class_targets('mse', y, 2)
