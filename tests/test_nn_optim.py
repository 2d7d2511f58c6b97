"""nn.optim: single steps by hand, a textbook Adam in numpy, convergence on a quadratic."""

import math

import numpy as np
import pytest

from autograd import Value
from nn import MLP
from nn.optim import SGD, Adam, linear_decay

CENTRE = [1.5, -2.0, 0.25]


def quadratic(params):
    """f(p) = sum_i (i + 1) (p_i - c_i)**2, minimised at p = c."""
    return sum((i + 1) * (p - c) ** 2 for i, (p, c) in enumerate(zip(params, CENTRE)))


def run(optimizer, params, steps):
    for _ in range(steps):
        loss = quadratic(params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return [p.data for p in params]


def test_sgd_one_step_by_hand():
    params = [Value(0.0), Value(0.0), Value(0.0)]
    optimizer = SGD(params, lr=0.1)
    run(optimizer, params, 1)
    # grad at 0: 2 (i + 1) (0 - c_i) = -2 (i + 1) c_i
    expected = [0.1 * 2 * (i + 1) * c for i, c in enumerate(CENTRE)]
    assert [p.data for p in params] == pytest.approx(expected)


def test_sgd_converges_on_quadratic():
    params = [Value(5.0), Value(5.0), Value(5.0)]
    assert run(SGD(params, lr=0.05), params, 300) == pytest.approx(CENTRE, abs=1e-6)


def test_sgd_momentum_by_hand():
    # f = p**2 / 2, grad = p. v1 = g0, p1 = p0 - lr v1; v2 = m v1 + g1, p2 = p1 - lr v2
    p = Value(1.0)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    for _ in range(2):
        optimizer.zero_grad()
        (p * p * 0.5).backward()
        optimizer.step()
    p1 = 1.0 - 0.1 * 1.0
    v2 = 0.9 * 1.0 + p1
    assert p.data == pytest.approx(p1 - 0.1 * v2)


def test_sgd_momentum_converges_faster_on_ill_conditioned_quadratic():
    def steps_to_converge(momentum):
        params = [Value(5.0), Value(5.0), Value(5.0)]
        optimizer = SGD(params, lr=0.02, momentum=momentum)
        for step in range(1, 2000):
            run(optimizer, params, 1)
            if max(abs(p.data - c) for p, c in zip(params, CENTRE)) < 1e-6:
                return step
        return math.inf
    assert steps_to_converge(0.9) < steps_to_converge(0.0)


def test_sgd_weight_decay_pulls_toward_zero():
    # minimum of (p - 1)**2 + (wd / 2) p**2 is at p = 2 / (2 + wd)
    p = Value(0.0)
    optimizer = SGD([p], lr=0.1, weight_decay=0.5)
    for _ in range(500):
        optimizer.zero_grad()
        ((p - 1.0) ** 2).backward()
        optimizer.step()
    assert p.data == pytest.approx(2 / 2.5, abs=1e-9)


def textbook_adam(grad_fn, x, lr, beta1, beta2, eps, steps):
    """Adam exactly as written in Kingma & Ba, Algorithm 1, with numpy arrays."""
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    for t in range(1, steps + 1):
        g = grad_fn(x)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        x = x - lr * m_hat / (np.sqrt(v_hat) + eps)
    return x


def test_adam_matches_textbook_algorithm():
    start = np.array([5.0, -3.0, 0.1])
    centre = np.array(CENTRE)
    weights = np.array([1.0, 2.0, 3.0])
    expected = textbook_adam(lambda x: 2 * weights * (x - centre), start, 0.1, 0.8, 0.99, 1e-3, 25)
    params = [Value(float(s)) for s in start]
    run(Adam(params, lr=0.1, betas=(0.8, 0.99), eps=1e-3), params, 25)
    np.testing.assert_allclose([p.data for p in params], expected, rtol=1e-10, atol=1e-12)


def test_adam_converges_on_quadratic():
    params = [Value(5.0), Value(5.0), Value(5.0)]
    assert run(Adam(params, lr=0.05), params, 1500) == pytest.approx(CENTRE, abs=1e-3)


def test_linear_decay_is_micrograds_schedule():
    schedule = linear_decay(1.0, 0.1, 100)
    for k in (0, 1, 37, 99):
        assert schedule(k) == pytest.approx(1.0 - 0.9 * k / 100)
    assert schedule(100) == 0.1 and schedule(1000) == 0.1


def test_optimizer_follows_its_schedule():
    p = Value(0.0)
    optimizer = SGD([p], lr=linear_decay(1.0, 0.0, 4))
    seen = []
    for _ in range(5):
        seen.append(optimizer.lr)
        p.grad = 1.0
        optimizer.step()
    assert seen == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0])
    assert p.data == pytest.approx(-2.5)


def test_accepts_a_module_and_zero_grad_clears():
    model = MLP(2, [3, 1], seed=0)
    optimizer = Adam(model, lr=0.01)
    assert len(optimizer.params) == model.num_parameters()
    model([1.0, 2.0]).backward()
    optimizer.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize('make, message', [
    (lambda p: SGD(p, lr=-0.1), 'lr must be > 0'),
    (lambda p: SGD(p, lr=0), 'lr must be > 0'),
    (lambda p: SGD(p, lr=float('nan')), 'lr must be a finite number'),
    (lambda p: SGD(p, lr=0.1, momentum=1.0), 'momentum must be < 1'),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1), 'weight_decay must be >= 0'),
    (lambda p: Adam(p, betas=(0.9,)), 'betas must be a pair'),
    (lambda p: Adam(p, eps=0), 'eps must be > 0'),
    (lambda p: SGD([], lr=0.1), 'no parameters'),
    (lambda p: linear_decay(1.0, 0.1, 0), 'steps must be a positive int'),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])
