"""Optimizers: after `loss.backward()`, move every parameter against its gradient.

    optimizer = SGD(model.parameters(), lr=0.1)
    for step in range(100):
        loss = ...                 # build the graph
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

`lr` is a number or a schedule: a function of the step number (0, 1, ...)
returning the learning rate, such as `linear_decay(1.0, 0.1, 100)`, the
schedule of micrograd's demo.
"""

import math

from autograd._validate import check_int, check_real


class Optimizer:
    """What every optimizer shares: the parameters, the learning rate, a step count."""

    def __init__(self, params, lr):
        if hasattr(params, 'parameters'):
            params = params.parameters()  # a Module is accepted for its parameters
        self.params = list(params)
        if not self.params:
            raise ValueError(f'{type(self).__name__}: no parameters to optimize')
        for p in self.params:
            if not hasattr(p, 'grad') or not hasattr(p, 'data'):
                raise TypeError(f'{type(self).__name__}: parameters must be Values, got {p!r}')
        if not callable(lr):
            check_real(type(self).__name__, 'lr', lr, above=0.0)
        self.schedule = lr
        self.steps = 0  # how many times step() has run

    @property
    def lr(self):
        """The learning rate the next `step()` will use."""
        schedule = self.schedule
        return schedule(self.steps) if callable(schedule) else schedule

    def zero_grad(self):
        """Set every parameter's `.grad` to 0 before the next backward pass."""
        for p in self.params:
            p.grad = 0.0

    def step(self):
        """Update every parameter from its `.grad`."""
        self._update(self.lr)
        self.steps += 1


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

        g = p.grad + weight_decay * p
        v = momentum * v + g
        p = p - lr * v

    With momentum=0 this is micrograd's `p.data -= lr * p.grad`.
    """

    def __init__(self, params, lr=0.1, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum = check_real('SGD', 'momentum', momentum, minimum=0.0, below=1.0)
        self.weight_decay = check_real('SGD', 'weight_decay', weight_decay, minimum=0.0)
        self.velocity = [0.0] * len(self.params)

    def _update(self, lr):
        momentum, decay = self.momentum, self.weight_decay
        if momentum == 0.0 and decay == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
            return
        velocity = self.velocity
        for i, p in enumerate(self.params):
            v = momentum * velocity[i] + p.grad + decay * p.data
            velocity[i] = v
            p.data -= lr * v

    def __repr__(self):
        return (f'SGD({len(self.params)} parameters, lr={self.schedule!r}, '
                f'momentum={self.momentum}, weight_decay={self.weight_decay})')


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): a step scaled by running moments of the gradient.

        g = p.grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g          (mean)
        v = beta2 * v + (1 - beta2) * g**2       (uncentred variance)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)
    with the bias corrections m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t).

    The update folds both corrections into one step size per step, as in
    Kingma & Ba (2015), end of section 2. Multiplying the numerator and the
    denominator of the update by sqrt(1 - beta2**t) gives, exactly,

        lr * m_hat / (sqrt(v_hat) + eps) = lr_t * m / (sqrt(v) + eps_t),
        lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t),  eps_t = eps * sqrt(1 - beta2**t),

    so it is the same algorithm, not an approximation: two multiplications
    per step instead of two divisions per parameter. eps must be scaled
    with it: the paper's variant keeps eps unscaled, which changes the
    update slightly in the first steps. (In floating point the two forms
    agree to rounding, not bit for bit.)
    """

    def __init__(self, params, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f'Adam: betas must be a pair of numbers, got {betas!r}') from None
        self.betas = (check_real('Adam', 'beta1', beta1, minimum=0.0, below=1.0),
                      check_real('Adam', 'beta2', beta2, minimum=0.0, below=1.0))
        self.eps = check_real('Adam', 'eps', eps, above=0.0)
        self.weight_decay = check_real('Adam', 'weight_decay', weight_decay, minimum=0.0)
        self.mean = [0.0] * len(self.params)
        self.variance = [0.0] * len(self.params)

    def _update(self, lr):
        beta1, beta2 = self.betas
        eps, decay = self.eps, self.weight_decay
        t = self.steps + 1
        # Both bias corrections folded into lr_t and eps_t (see the docstring).
        step_size = lr * math.sqrt(1.0 - beta2**t) / (1.0 - beta1**t)
        eps_hat = eps * math.sqrt(1.0 - beta2**t)
        mean, variance = self.mean, self.variance
        for i, p in enumerate(self.params):
            g = p.grad + decay * p.data
            m = mean[i] = beta1 * mean[i] + (1.0 - beta1) * g
            v = variance[i] = beta2 * variance[i] + (1.0 - beta2) * g * g
            p.data -= step_size * m / (math.sqrt(v) + eps_hat)

    def __repr__(self):
        return (f'Adam({len(self.params)} parameters, lr={self.schedule!r}, betas={self.betas}, '
                f'eps={self.eps}, weight_decay={self.weight_decay})')


class linear_decay:
    """A schedule: lr goes linearly from `start` at step 0 to `end` at step
    `steps`, then stays at `end`. micrograd's demo uses 1.0 - 0.9 * k / 100,
    i.e. `linear_decay(1.0, 0.1, 100)`.
    """

    def __init__(self, start, end, steps):
        self.start = check_real('linear_decay', 'start', start, above=0.0)
        self.end = check_real('linear_decay', 'end', end, minimum=0.0)
        self.steps = check_int('linear_decay', 'steps', steps, minimum=1)

    def __call__(self, step):
        if step >= self.steps:
            return self.end
        return self.start + (self.end - self.start) * step / self.steps

    def __repr__(self):
        return f'linear_decay({self.start}, {self.end}, {self.steps})'


OPTIMIZERS = {'sgd': SGD, 'adam': Adam}

