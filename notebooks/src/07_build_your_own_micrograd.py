# %% [markdown]
# # 7. Build your own micrograd
#
# In this notebook you write the engine: your own `Value` class, step by step, in the cells
# marked **Exercise**. After each step, `check(Value)` grades what you have so far. It tries
# every operation against a numerical slope, and it knows the classic mistakes by name:
# `=` instead of `+=`, an operation that forgets its parents, a sign slip in `1 - x`, a
# backward pass in the wrong order or with too much recursion, a second `backward()`
# that counts twice. Operations you have not written yet show as **to do**, not as failures.
#
# How to work:
#
# * Each exercise cell starts with `# Exercise NAME:` and ends in `raise NotImplementedError`
#   lines: replace those with your code, run the cell, then run the `check` below it.
# * Methods are written as plain functions and then attached to the class
#   (`Value.__add__ = __add__`), so each step is its own cell. If you re-run the first
#   exercise cell, which makes a new `Value` class, run the ones below it again too.
# * The answers are in `notebooks/solutions/07_build_your_own_micrograd.py`. The outputs
#   saved in this notebook are what it shows before you write anything: each check lists its
#   rows as **to do**, and the cells that need your code have no output until you run them.

# %%
import math

from autograd.exercises import check

# %% [markdown]
# ## Step 1: a leaf
#
# A `Value` holds a number (`data`) and the derivative of the final output with respect to
# it (`grad`, 0 until a backward pass fills it). It also remembers where it came from:
# `_prev`, the Values it was computed from (its parents; none for a number you typed in),
# and `_backward`, a function that pushes its `grad` into its parents' `grad`. For a leaf
# there is nobody to push into, so `_backward` does nothing.

# %%
# Exercise skeleton: the class, and what a leaf holds
class Value:
    def __init__(self, data, _children=()):
        # self.data: the number; self.grad: 0.0 to start;
        # self._prev: the parents, tuple(_children); self._backward: a function doing nothing
        raise NotImplementedError('exercise skeleton')

    def __repr__(self):
        return f'Value(data={self.data}, grad={self.grad})'


# %%
check(Value, ops=[])

# %% [markdown]
# ## Step 2: addition
#
# `x + y` runs `x.__add__(y)`. It makes a new Value, `out`, whose parents are `x` and `y`,
# and gives `out` a `_backward` that applies the chain rule: each parent's gradient grows by
# the local derivative, $\partial\,\mathrm{out}/\partial x = 1$, times `out.grad`.
#
# *Grows*, with `+=`: a value can be used by several others, and each use adds its share.
# `2 + x` is different: `int` cannot add a Value, so Python asks the right operand,
# `x.__radd__(2)`. Turn plain numbers into Values (leaves) so that the same code serves both.

# %%
# Exercise add: x + y, and 2 + x
def __add__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    # out = a new Value: the sum, with children (self, other)
    # out._backward = a function that adds 1 * out.grad into self.grad and into other.grad
    raise NotImplementedError('exercise add')


def __radd__(self, other):  # other + self
    raise NotImplementedError('exercise add')


Value.__add__ = __add__
Value.__radd__ = __radd__

# %%
check(Value, ops=['+'])

# %% [markdown]
# ## Step 3: multiplication
#
# $\partial (xy)/\partial x = y$ and $\partial (xy)/\partial y = x$: each operand's gradient
# grows by the *other* operand's data times `out.grad`. Check `a * a`: both edges carry
# `a.data`, so `a.grad` must end at $2a$.

# %%
# Exercise mul: x * y, and 2 * x
def __mul__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    raise NotImplementedError('exercise mul')


def __rmul__(self, other):  # other * self
    raise NotImplementedError('exercise mul')


Value.__mul__ = __mul__
Value.__rmul__ = __rmul__

# %%
check(Value, ops=['+', '*'])

# %% [markdown]
# The `a + a, a * a` and `parents (_prev)` rows grade how your operations fit together. The
# other rows need `backward()`, which comes in step 6.
#
# ## Step 4: power, and everything composed from what you have
#
# `x ** n` for a plain number `n` is a new primitive: $\frac{d}{dx} x^n = n x^{n-1}$. The
# rest needs no new derivative at all: $-x = x \cdot (-1)$, $x - y = x + (-y)$,
# $x / y = x \cdot y^{-1}$. Mind the reflected ones: Python runs `1 - x` as
# `x.__rsub__(1)`, so there `self` is `x` and `other` is `1`.

# %%
# Exercise composed: x ** n, then -x, x - y, 1 - x, x / y and 2 / x from the others
def __pow__(self, n):
    assert isinstance(n, (int, float)), 'only plain-number powers'
    raise NotImplementedError('exercise composed')


def __neg__(self):  # -self
    raise NotImplementedError('exercise composed')


def __sub__(self, other):  # self - other
    raise NotImplementedError('exercise composed')


def __rsub__(self, other):  # other - self
    raise NotImplementedError('exercise composed')


def __truediv__(self, other):  # self / other
    raise NotImplementedError('exercise composed')


def __rtruediv__(self, other):  # other / self
    raise NotImplementedError('exercise composed')


Value.__pow__ = __pow__
Value.__neg__, Value.__sub__, Value.__rsub__ = __neg__, __sub__, __rsub__
Value.__truediv__, Value.__rtruediv__ = __truediv__, __rtruediv__

# %%
check(Value, ops=['+', '*', '**', 'neg', '-', '/'])

# %% [markdown]
# ## Step 5: functions
#
# Each function is one primitive: compute the value, record the one parent, and push
# `local derivative * out.grad`. Two derivatives can reuse the value just computed:
# $\frac{d}{dx} e^x = e^x$, which is `out.data`, and $\frac{d}{dx}\tanh x = 1 - \tanh^2 x$,
# which is `1 - out.data**2`. The others: $\frac{d}{dx}\log x = 1/x$,
# $\mathrm{relu}(x) = \max(0, x)$ has slope 1 for $x > 0$ and 0 otherwise,
# $\sin' = \cos$ and $\cos' = -\sin$.

# %%
# Exercise functions: exp, tanh, log, relu, sin, cos
def exp(self):
    raise NotImplementedError('exercise functions')


def tanh(self):
    raise NotImplementedError('exercise functions')


def log(self):
    raise NotImplementedError('exercise functions')


def relu(self):
    raise NotImplementedError('exercise functions')


def sin(self):
    raise NotImplementedError('exercise functions')


def cos(self):
    raise NotImplementedError('exercise functions')


Value.exp, Value.tanh, Value.log, Value.relu, Value.sin, Value.cos = exp, tanh, log, relu, sin, cos

# %%
check(Value)

# %% [markdown]
# ## Step 6: `backward()`
#
# A node may push its gradient into its parents only once that gradient is complete, after
# every node that uses it has pushed into it. So `backward()` first lists the nodes in a
# **topological order** (every node after all of its parents), then seeds `self.grad = 1`
# and calls `_backward()` on each node in the reverse of that order. Notebook 2 shows what
# goes wrong otherwise.
#
# Two details the checker grades:
#
# * Sort with your own stack (a list), not a recursive function: Python allows about a
#   thousand nested calls, and `sum()` of a few thousand Values is a chain that deep.
# * Set `grad = 0` on the nodes that have parents before you start, so that a second
#   `backward()` does not push the first one's gradients again. Leave the leaves alone:
#   their gradients add up across calls, as in PyTorch, and clearing them is the training
#   loop's job (`zero_grad`).

# %%
# Exercise backward: topological order, reset, seed, then the chain rule node by node
def backward(self):
    # order = [...]: each node after all of its parents (keep a stack of (node, parents left))
    # every node with parents: grad = 0.0; then self.grad = 1.0
    # for node in reversed(order): node._backward()
    raise NotImplementedError('exercise backward')


Value.backward = backward

# %%
report = check(Value)
report

# %% [markdown]
# That is a complete engine. `report.ok` is True when no check failed; `report['MLP step']`
# is one row. The last row built the same small network with your class and with this
# project's engine, from the same weights, and compared every gradient and one step of
# gradient descent.
#
# ### What the checker says about the classic mistakes
#
# Two of them, each planted in your class for one `check` and then taken out again. First
# `=` instead of `+=` in addition: right as long as the two operands differ, wrong for
# `a + a`.

# %%
def check_with(name, broken):
    """check(Value) with one method swapped for a broken one, then put back."""
    original = getattr(Value, name)
    setattr(Value, name, broken)
    try:
        return check(Value, ops=['+', '*'])
    finally:
        setattr(Value, name, original)


def add_that_assigns(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data + other.data, (self, other))

    def _backward():
        self.grad = out.grad  # the mistake
        other.grad = out.grad
    out._backward = _backward
    return out


print(check_with('__add__', add_that_assigns))

# %% [markdown]
# Then the recursive topological sort of the micrograd lecture. It gets every answer right
# until the graph is deeper than Python's recursion limit:

# %%
def backward_with_recursive_sort(self):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node._prev:
                visit(parent)
            order.append(node)
    visit(self)
    for node in order:
        if node._prev:
            node.grad = 0.0
    self.grad = 1.0
    for node in reversed(order):
        node._backward()


row = check_with('backward', backward_with_recursive_sort)['long chain']
print(row.message)
print('hint:', row.hint)

# %% [markdown]
# A third is in the row `backward twice` of your report: what a second `backward()` does.
# micrograd's own `backward()` resets nothing but the output, so its second call pushes
# the first call's interior gradients again; the checker fails it there.

# %%
print(report['backward twice'].message)

# %% [markdown]
# ## Karpathy's exercise: one gradient three ways
#
# The micrograd lecture's first exercise takes
#
# $$f(a, b, c) = -a^3 + \sin(3b) - \frac{1}{c} + b^{2.5} - a^{0.5}$$
#
# at $a = 2$, $b = 3$, $c = 4$ and asks for its gradient, first by hand, then numerically.
# Write the three partial derivatives.

# %%
def f(a, b, c):
    return -a**3 + math.sin(3 * b) - 1.0 / c + b**2.5 - a**0.5


point = [2.0, 3.0, 4.0]

# %%
# Exercise analytic: the gradient of f by hand, [df/da, df/db, df/dc]
def gradient_by_hand(a, b, c):
    raise NotImplementedError('exercise analytic')


# %% [markdown]
# Now without calculus. The **forward difference** nudges one input by $h$ and divides the
# change of $f$ by $h$; its error shrinks like $h$. The **symmetric difference** nudges both
# ways, $\frac{f(x + h) - f(x - h)}{2h}$: the $h^2$ terms of the two Taylor series cancel,
# so its error shrinks like $h^2$, and it needs the same two evaluations per input.

# %%
# Exercise differences: the gradient of f from its values alone, one input at a time
def forward_difference(f, point, h=1e-6):
    raise NotImplementedError('exercise differences')


def symmetric_difference(f, point, h=1e-6):
    raise NotImplementedError('exercise differences')


# %% [markdown]
# And with a graph: the same formula run on Values, once with this project's engine and
# once with yours. Both should match the hand-derived gradient to about 15 digits.

# %%
import autograd


def f_graph(a, b, c):
    return -a**3 + (3 * b).sin() - 1.0 / c + b**2.5 - a**0.5


def backprop_gradient(ValueClass, point):
    inputs = [ValueClass(x) for x in point]
    f_graph(*inputs).backward()
    return [x.grad for x in inputs]


exact = gradient_by_hand(*point)
methods = {
    'forward difference': forward_difference(f, point),
    'symmetric difference': symmetric_difference(f, point),
    'this engine': backprop_gradient(autograd.Value, point),
    'your Value': backprop_gradient(Value, point),
}
print(f'{"":>26}' + ''.join(f'{name:>12}' for name in ('df/da', 'df/db', 'df/dc')))
print(f'{"by hand":>26}' + ''.join(f'{g:12.6f}' for g in exact))
for name, gradient in methods.items():
    errors = [abs(g - e) for g, e in zip(gradient, exact)]
    print(f'{name + " error":>26}' + ''.join(f'{err:12.1e}' for err in errors))
assert max(abs(g - e) for g, e in zip(methods['your Value'], exact)) < 1e-9

# %% [markdown]
# Why $h = 10^{-6}$? A smaller step cuts the truncation error, but the subtraction
# $f(x + h) - f(x)$ loses more digits to rounding, an error of about
# $\epsilon_{\text{machine}} |f| / h$. Plotting the error of $\partial f/\partial a$ against
# $h$ shows both: on the right the slope is the method's order (1 or 2), on the left
# rounding takes over. Balancing the two puts the best step near
# $\sqrt{\epsilon_{\text{machine}}} \approx 10^{-8}$ for the forward difference and
# $\epsilon_{\text{machine}}^{1/3} \approx 10^{-5}$ for the symmetric one;
# $10^{-6}$ serves both reasonably.

# %%
import matplotlib.pyplot as plt

steps = [10.0**-k for k in range(1, 13)]
forward_errors = [abs(forward_difference(f, point, h)[0] - exact[0]) for h in steps]
symmetric_errors = [abs(symmetric_difference(f, point, h)[0] - exact[0]) for h in steps]
fig, ax = plt.subplots(figsize=(5.5, 3.5))
ax.loglog(steps, forward_errors, 'o-', label='forward difference, error ~ h')
ax.loglog(steps, symmetric_errors, 's-', label='symmetric difference, error ~ h²')
ax.set_xlabel('step h')
ax.set_ylabel('error of df/da')
ax.legend(fontsize='small', loc='lower right')
plt.show()

# %% [markdown]
# ## Spot the bug
#
# A line through five points, fitted by gradient descent on the mean squared error, with
# your `Value`. This loop has a bug. Read it before you run the next cell.

# %%
xs = [-1.0, -0.5, 0.0, 0.5, 1.0]
ys = [2 * x - 1 for x in xs]  # the line to find: w = 2, b = -1


def train_with_the_bug(steps=40, learning_rate=0.2):
    w, b = Value(0.0), Value(0.0)
    losses = []
    for step in range(steps):
        loss = sum(((w * x + b) - y) ** 2 for x, y in zip(xs, ys)) * (1 / len(xs))
        loss.backward()
        for parameter in (w, b):
            parameter.data -= learning_rate * parameter.grad
        losses.append(loss.data)
    return losses


# %% [markdown]
# `backward()` *adds* into the leaves' `grad` (check row `grads add up`), and nothing ever
# sets them back to zero. So the step taken at iteration $t$ uses the sum of all the
# gradients so far: the parameters overshoot, swing back, and the loss keeps bouncing
# instead of falling. Write the loop without the bug.

# %%
# Exercise fixed_loop: the same training loop, without the bug
def train(steps=40, learning_rate=0.2):
    raise NotImplementedError('exercise fixed_loop')


# %%
buggy, fixed = train_with_the_bug(), train()
fig, ax = plt.subplots(figsize=(5.5, 3.5))
ax.semilogy(buggy, label='gradients never zeroed')
ax.semilogy(fixed, label='zeroed before each backward()')
ax.set_xlabel('step')
ax.set_ylabel('mean squared error')
ax.legend()
plt.show()
assert fixed[-1] < 1e-4 < min(buggy[10:]), (fixed[-1], min(buggy[10:]))

# %% [markdown]
# In PyTorch the same loop calls `optimizer.zero_grad()` (or `model.zero_grad()`) before
# `loss.backward()`; this project's `nn` modules have `zero_grad()` too, and `nn.fit` does
# it for you. Gradients that add up are a feature: they let several losses, or several
# mini-batches, contribute to one step.
#
# **Done.** If `report.ok` is True and the two sections above ran, your engine does what
# `autograd.Value` does. Notebooks 1 and 2 explain the design choices of this project's
# engine that go beyond micrograd (no reference cycles, shared rules, a sort that never
# recurses).

# %%
assert check(Value).ok
