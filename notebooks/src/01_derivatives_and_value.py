# %% [markdown]
# # 1. Derivatives and the `Value`
#
# This course builds backpropagation up from a single number. By the end of this first
# notebook you will have computed a gradient three ways: by nudging inputs and watching
# the output move, by applying the chain rule by hand one node at a time, and with a
# single call to `backward()`. Then we let the computer check that they all agree.
#
# Everything here uses the engine in `autograd/`: a `Value` is one real number that
# remembers the operation that produced it.

# %% [markdown]
# ## A derivative is a slope you can measure
#
# Take an ordinary function of one variable, $f(x) = 3x^2 - 4x + 5$.

# %%
def parabola(x):
    return 3 * x**2 - 4 * x + 5

parabola(3.0)

# %% [markdown]
# The derivative $f'(x)$ answers: if $x$ moves by a tiny $h$, how many times $h$ does
# $f$ move? So we can *measure* it: evaluate $f$ at $x$ and at $x + h$ and divide the
# change by $h$. By hand, $f'(x) = 6x - 4$, so $f'(3) = 14$.

# %%
x = 3.0
for h in [1e-1, 1e-3, 1e-5, 1e-7, 1e-9, 1e-11]:
    forward_slope = (parabola(x + h) - parabola(x)) / h
    central_slope = (parabola(x + h) - parabola(x - h)) / (2 * h)
    print(f'h = {h:.0e}   forward: {forward_slope:.12f}   central: {central_slope:.12f}')

# %% [markdown]
# Two things to notice.
#
# * The **forward difference** $\frac{f(x+h) - f(x)}{h}$ is off by about $\frac{h}{2} f''(x)$
#   (Taylor: $f(x+h) = f(x) + h f'(x) + \frac{h^2}{2} f''(x) + \dots$). The **central
#   difference** $\frac{f(x+h) - f(x-h)}{2h}$ cancels the $h^2$ terms, so its error
#   shrinks like $h^2$: it is exact here already at $h = 0.1$ because $f$ is a parabola.
# * Making $h$ tiny does not keep helping. A float carries about 16 significant digits;
#   $f(x+h) - f(x)$ subtracts two nearly equal numbers of size 20, so the rounding error
#   of about $10^{-15}$ gets divided by $h$. At $h = 10^{-11}$ only a few digits survive.
#
# Numerical slopes are a good *check* but a poor *method*: they are approximate, and (as
# notebook 5 measures) they need a separate evaluation per input.
#
# Here is the slope drawn as the tangent line at $x = 3$.

# %%
import matplotlib.pyplot as plt

xs = [i / 10 for i in range(-20, 51)]
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(xs, [parabola(v) for v in xs], label='f(x) = 3x² - 4x + 5')
ax.plot(xs, [parabola(3.0) + 14 * (v - 3.0) for v in xs], '--', label="tangent at x = 3, slope f'(3) = 14")
ax.plot([3.0], [parabola(3.0)], 'o', color='black')
ax.set_ylim(-10, 70)
ax.set_xlabel('x')
ax.legend(loc='upper left')
plt.show()

# %% [markdown]
# ## Several inputs: partial derivatives
#
# With several inputs we nudge one at a time, holding the others fixed. For
# $d = a \cdot b + c$ at $a = 2, b = -3, c = 10$:

# %%
def d_of(a, b, c):
    return a * b + c

a, b, c, h = 2.0, -3.0, 10.0, 1e-6
print('dd/da ~', (d_of(a + h, b, c) - d_of(a, b, c)) / h, '  (exact: b = -3)')
print('dd/db ~', (d_of(a, b + h, c) - d_of(a, b, c)) / h, '  (exact: a = 2)')
print('dd/dc ~', (d_of(a, b, c + h) - d_of(a, b, c)) / h, '  (exact: 1)')

# %% [markdown]
# ## The same expression, made of `Value`s
#
# A `Value` wraps a float. Every arithmetic operation on Values returns a new Value that
# records its **parents** (`_prev`, the operands, in order) and its **operation**
# (`_op`). So evaluating an expression also builds a graph of how it was computed: that
# graph is all backpropagation needs. Labels are only for display.

# %%
from autograd import Value

a = Value(2.0, label='a')
b = Value(-3.0, label='b')
c = Value(10.0, label='c')
e = a * b;   e.label = 'e'
d = e + c;   d.label = 'd'
f = Value(-2.0, label='f')
L = d * f;  L.label = 'L'
L

# %%
for node in [L, d, e]:
    parents = ', '.join(p.label for p in node._prev)
    print(f'{node.label} = {node.data:6.1f}   made by {node._op!r} from ({parents})')

# %% [markdown]
# Drawn as a graph, with the data flowing left to right. Each rectangle is a `Value`
# (label, data, grad); each small oval is the operation that made the value to its right.
# All grads are still 0: nothing has been differentiated yet.

# %%
from autograd import draw_dot

draw_dot(L)

# %% [markdown]
# ## Backpropagation by hand
#
# We want $\frac{\partial L}{\partial v}$ for every value $v$ in the graph, stored in
# `v.grad`. Work backwards from the output.
#
# * $\frac{\partial L}{\partial L} = 1$, trivially.
# * $L = d \cdot f$, so $\frac{\partial L}{\partial d} = f = -2$ and
#   $\frac{\partial L}{\partial f} = d = 4$. These are the **local derivatives** of `*`.
# * $d = e + c$. Locally $\frac{\partial d}{\partial e} = \frac{\partial d}{\partial c} = 1$.
#   The **chain rule** says how $L$ depends on $c$: through $d$, so
#   $\frac{\partial L}{\partial c} = \frac{\partial L}{\partial d}\,\frac{\partial d}{\partial c} = -2 \cdot 1$.
#   A `+` node passes its gradient unchanged to both parents.
# * $e = a \cdot b$: $\frac{\partial L}{\partial a} = \frac{\partial L}{\partial e}\, b = -2 \cdot -3 = 6$
#   and $\frac{\partial L}{\partial b} = \frac{\partial L}{\partial e}\, a = -2 \cdot 2 = -4$.
#
# Every step has the same shape: **(gradient arriving at a node) × (local derivative of
# that node's operation) → added into the parent's gradient.** A node only needs its own
# operation and the numbers that went into it. That is exactly what `node._backward()`
# does: it pushes `node.grad` into the parents once. We call it ourselves, from the
# output back.

# %%
def show(*nodes):
    print('   '.join(f'{n.label}.grad = {n.grad:g}' for n in nodes))

L.grad = 1.0          # the seed: dL/dL
L._backward()         # L = d * f   -> d.grad += f.data * L.grad ;  f.grad += d.data * L.grad
show(L, d, f)

# %%
d._backward()         # d = e + c   -> e.grad += d.grad ;  c.grad += d.grad
show(e, c)

# %%
e._backward()         # e = a * b   -> a.grad += b.data * e.grad ;  b.grad += a.data * e.grad
show(a, b)

# %% [markdown]
# The hand-computed numbers (6, -4, -2, 4) came out. Now check one of them by nudging:
# if we increase $a$ by $h$, does $L$ move by $6h$?

# %%
h = 1e-6
def L_of(a, b, c, f):
    return (a * b + c) * f
print('numeric dL/da:', (L_of(2.0 + h, -3.0, 10.0, -2.0) - L_of(2.0, -3.0, 10.0, -2.0)) / h)

# %% [markdown]
# Two rules made the hand pass work, and `backward()` automates both:
#
# 1. **Order.** A node may push its gradient only once that gradient is complete, that is,
#    after every node that *uses* it has pushed into it. We called `L`, then `d`, then `e`:
#    a *reverse topological order*. (Notebook 2 shows what goes wrong otherwise.)
# 2. **Accumulate.** Each push *adds* (`+=`) to the parent's gradient, because a value
#    that feeds several others receives a contribution from each.
#
# `backward()` sorts the graph topologically, seeds the output with 1 and calls every
# node's backward step in reverse order. On a fresh graph:

# %%
a = Value(2.0, label='a'); b = Value(-3.0, label='b')
c = Value(10.0, label='c'); f = Value(-2.0, label='f')
L = (a * b + c) * f
L.backward()
show(a, b, c, f)
assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)

# %% [markdown]
# ## A neuron
#
# A neuron computes a weighted sum of its inputs plus a bias and squashes it:
# $o = \tanh(x_1 w_1 + x_2 w_2 + b)$. Since
# $\frac{d}{dz}\tanh z = 1 - \tanh^2 z$, the tanh node passes back its gradient times
# $1 - o^2$. The bias $b = 6.8813735870195432$ is chosen so that $z = 0.8814$ and
# $o = \tanh z = 0.7071$, which makes the numbers easy: $1 - o^2 = 0.5$.

# %%
x1 = Value(2.0, label='x1'); x2 = Value(0.0, label='x2')
w1 = Value(-3.0, label='w1'); w2 = Value(1.0, label='w2')
bias = Value(6.8813735870195432, label='b')
x1w1 = x1 * w1; x1w1.label = 'x1*w1'
x2w2 = x2 * w2; x2w2.label = 'x2*w2'
z = x1w1 + x2w2 + bias; z.label = 'z'
o = z.tanh(); o.label = 'o'
o.backward()
draw_dot(o)

# %% [markdown]
# Read the gradients off the drawing: $\frac{\partial o}{\partial z} = 1 - o^2 = 0.5$;
# $\frac{\partial o}{\partial w_1} = 0.5 \cdot x_1 = 1$; and $\frac{\partial o}{\partial w_2} = 0.5 \cdot x_2 = 0$:
# with $x_2 = 0$, changing $w_2$ changes nothing. A weight attached to a zero input does
# not learn from that example.

# %% [markdown]
# ## Checking against an independent oracle
#
# `gradcheck(f, inputs)` runs the engine's `backward()` on `f` and compares every
# gradient with the central difference $\frac{f(\dots, x_i + \epsilon, \dots) - f(\dots, x_i - \epsilon, \dots)}{2\epsilon}$,
# input by input. It is how the engine's own tests judge every operation, and it is a
# habit worth keeping for any function you differentiate.

# %%
from autograd import gradcheck

def neuron(x1, x2, w1, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()

report = gradcheck(neuron, [2.0, 0.0, -3.0, 1.0, 6.8813735870195432],
                   labels=['x1', 'x2', 'w1', 'w2', 'b'])
print(report)
assert report.ok

# %% [markdown]
# The analytic column is exact up to rounding; the numeric column is an estimate with an
# error around $10^{-10}$. A mistake in a local derivative would show up as a disagreement
# in the leading digits.

# %% [markdown]
# ## Your own operation
#
# Every operation of the engine is described once: how to compute it, and its local
# derivative. `primitive(name, forward, partials)` lets you add one the same way. Take
# softplus, $s(x) = \log(1 + e^x)$, a smooth relu. Its derivative is the sigmoid,
# $s'(x) = \frac{1}{1 + e^{-x}}$. The `forward` works on plain floats. `partials(out, x)`
# returns the local derivative, written with operations that work on floats and on
# `Value`s alike (`exp` from `autograd` is one of them). That one formula then serves
# `backward()`, second derivatives, drawings and `gradcheck`.

# %%
import math
from autograd import primitive, exp, grad

softplus = primitive('softplus', lambda x: math.log1p(math.exp(x)),
                     lambda out, x: (1 / (1 + exp(-x)),))

x = Value(0.5, label='x')
y = softplus(x * 2); y.label = 'y'
first, = grad(y, [x], create_graph=True)   # dy/dx = 2 sigmoid(2x), itself a Value
second, = grad(first, [x])                 # d2y/dx2 = 4 sigmoid(2x) (1 - sigmoid(2x))
s = 1 / (1 + math.exp(-1.0))
print(f'dy/dx = {first.data:.6f}   (by hand {2 * s:.6f})')
print(f'd2y/dx2 = {second:.6f}   (by hand {4 * s * (1 - s):.6f})')
assert math.isclose(second, 4 * s * (1 - s), rel_tol=1e-12)
y.backward()
draw_dot(y)

# %%
report = gradcheck(lambda x: softplus(x * 2), [0.5])
print(report)
assert report.ok

# %% [markdown]
# **Next:** notebook 2 steps through `backward()` one node at a time, and shows why the
# order of the steps matters.
