# %% [markdown]
# # 2. Stepping through `backward()`
#
# Notebook 1 ran the backward pass by hand on a three-node graph. Here we let the engine
# narrate it, one node at a time, and then look closely at the two rules that made it work:
#
# 1. gradients **add up** when a value is used more than once;
# 2. nodes must be processed in **reverse topological order**, and a natural-looking
#    recursive order gets the wrong answer.

# %% [markdown]
# ## One neuron, one step at a time
#
# The same neuron as before: $o = \tanh(x_1 w_1 + x_2 w_2 + b)$, with every intermediate
# value labelled so the narration can name it.

# %%
from autograd import Value, backward_steps, draw_dot

x1 = Value(2.0, label='x1'); x2 = Value(0.0, label='x2')
w1 = Value(-3.0, label='w1'); w2 = Value(1.0, label='w2')
b = Value(6.8813735870195432, label='b')
x1w1 = x1 * w1; x1w1.label = 'x1w1'
x2w2 = x2 * w2; x2w2.label = 'x2w2'
s = x1w1 + x2w2; s.label = 's'
z = s + b; z.label = 'z'
o = z.tanh(); o.label = 'o'

# %% [markdown]
# `backward_steps(o)` is `o.backward()` cut into pieces: it seeds `o.grad = 1`, then yields
# one step per node that an operation made, in reverse topological order. Each step says
# which gradient the node pushes and, for every parent, the update it makes: *local
# derivative × the node's gradient*, added into the parent.

# %%
steps = list(backward_steps(o))
for step in steps:
    print(step.text)

# %% [markdown]
# Each step is also a drawing of the graph right after it: the node whose turn it is is
# highlighted, the parents it just updated are marked, and gradients that are not known yet
# are shown as `?`. Here is the graph after step 2, when the gradient has just crossed the
# `+` that adds the bias:

# %%
steps[1].draw()

# %% [markdown]
# and after the last step, when every gradient is final:

# %%
steps[-1].draw()

# %% [markdown]
# The steps did exactly what `backward()` does, so the gradients must be identical:

# %%
stepped = {v.label: v.grad for v in [x1, x2, w1, w2, b, x1w1, x2w2, s, z, o]}
for v in [x1, x2, w1, w2, b]:
    v.grad = 0.0
o.backward()
assert stepped == {v.label: v.grad for v in [x1, x2, w1, w2, b, x1w1, x2w2, s, z, o]}
print(stepped)

# %% [markdown]
# In a live Jupyter session, `autograd.stepper(o)` shows the same frames behind play,
# previous/next buttons and a slider, and `autograd.save_steps_html(o, 'steps.html')`
# writes them into a single HTML file that any browser opens without a kernel.

# %%
from autograd import stepper

stepper(o)

# %% [markdown]
# ## Your turn: predict, then see
#
# Watching is easier than doing. `stepper(root, predict=True)` asks before it shows: at each
# step, for each parent, first the local derivative $\partial\,\text{node}/\partial\,\text{parent}$,
# then the parent's grad after `parent.grad += local * node.grad`. Type a number, or an
# expression of the step's names: `1 - t**2` (`t` is tanh's output, `out` any node's
# output), `b.data * v0.grad`, `exp(x)`. A wrong answer that one of the classic mistakes
# explains gets a hint naming it: `=` instead of `+=` for a value used twice, a sign slip in
# a subtraction, $1 - t$ for tanh's $1 - t^2$, a forgotten upstream grad, exp's derivative
# taken from its input. The score is kept to the end; "show the answer" skips a question.
#
# This graph has all of those traps: `p` is used twice and subtracted, and tanh and exp
# sit on the way back. (`save_steps_html(L, 'drill.html', predict=True)` writes the same
# drill into one file that any browser opens.)

# %%
p = Value(0.5, label='p'); q = Value(-1.5, label='q')
d = p * q - p; d.label = 'd'
t = d.tanh(); t.label = 't'
L = t.exp() * 2.0; L.label = 'L'
stepper(L, predict=True)

# %% [markdown]
# ## A value used twice: gradients add
#
# Suppose $y$ depends on $t$ through several intermediate values $x_1, \dots, x_n$, each of
# which depends on $t$. Move $t$ by a small $\Delta t$. Each $x_i$ moves by about
# $\frac{\partial x_i}{\partial t}\Delta t$, and each of those moves changes $y$ by about
# $\frac{\partial y}{\partial x_i}$ times it. To first order the effects simply add, so
#
# $$\frac{\partial y}{\partial t} = \sum_{i=1}^{n} \frac{\partial y}{\partial x_i}\,\frac{\partial x_i}{\partial t}.$$
#
# This is the **multivariable chain rule**. In the engine, each term of the sum arrives
# separately: each child $x_i$ of $t$, on its turn, adds
# $\frac{\partial y}{\partial x_i}\frac{\partial x_i}{\partial t}$ into `t.grad`. That is why
# every backward rule uses `+=`. The smallest case is $y = a + a$: two edges from `a` into
# the same `+`, each contributing 1.

# %%
a = Value(3.0, label='a')
y = a + a; y.label = 'y'
for step in backward_steps(y):
    print(step.text)
print('dy/da =', a.grad)

# %% [markdown]
# A slightly larger case, $f = x y + x$, where $x$ feeds two different operations:
# $\frac{\partial f}{\partial x} = y + 1$. `explain(f, x)` lists every path from $x$ up to
# $f$ with the product of the local derivatives along it; the multivariable chain rule says
# the gradient is the sum of those products.

# %%
from autograd import explain

x = Value(2.0, label='x'); y = Value(-4.0, label='y')
xy = x * y; xy.label = 'xy'
f = xy + x; f.label = 'f'
f.backward()
paths = explain(f, x)
print(paths)
print('x.grad =', x.grad, '  (y + 1 =', y.data + 1, ')')
assert abs(paths.total - x.grad) < 1e-12

# %% [markdown]
# What if a rule *assigned* instead of adding? Here is a backward pass that is correct in
# every respect but one: it writes `parent.grad = ...` instead of `+=`. The local
# derivatives come from each node's rule (`node._rule.partials`), the same numbers the real
# backward pass uses.

# %%
from autograd.graph import topo_order

def local_derivatives(node):
    """d(node)/d(parent) for each entry of node._prev, as floats."""
    first = node._prev[0].data
    second = node._prev[1].data if len(node._prev) == 2 else node._const
    return node._rule.partials(node.data, first, second)

def backward_that_assigns(root):
    order = topo_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        if node._prev:
            for parent, local in zip(node._prev, local_derivatives(node)):
                parent.grad = local * node.grad        # the bug: = instead of +=

for v in (x, y, xy, f):
    v.grad = 0.0
backward_that_assigns(f)
print('with = :  df/dx =', x.grad, '  (should be', y.data + 1, ')')
a.grad = 0.0
backward_that_assigns(a + a)
print('with = :  d(a+a)/da =', a.grad, '  (should be 2)')

# %% [markdown]
# The second contribution overwrote the first. Well-known scalar engines have shipped
# exactly this bug, which is why this engine's tests check `a + a` and `(x + x) * x` by hand.
#
# ## Why the order matters
#
# A node may push its gradient into its parents only when that gradient is complete: after
# **every** node that uses it has pushed into it. Take a graph where one value feeds two
# others:
#
# $$h = \tanh(x), \qquad u = 3h, \qquad v = e^{h}, \qquad L = u + v.$$
#
# By the chain rule, $\frac{\partial L}{\partial h} = 3 + e^{h}$ and
# $\frac{\partial L}{\partial x} = (3 + e^{h})(1 - h^2)$.

# %%
def diamond():
    x = Value(0.5, label='x')
    h = x.tanh(); h.label = 'h'
    u = h * 3; u.label = 'u'
    v = h.exp(); v.label = 'v'
    L = u + v; L.label = 'L'
    return x, h, L

x, h, L = diamond()
L.backward()
print('correct dL/dx =', x.grad)
draw_dot(L)

# %% [markdown]
# The tempting way to write backward is a recursion that mirrors the graph: push this node's
# gradient into its parents, then recurse into each parent.

# %%
def backward_recursive(node, depth=0):
    if node._prev:                      # leaves have nobody to push into
        print('  ' * depth + f'{node.label} pushes grad {node.grad:.4f}')
    node._backward()
    for parent in node._prev:
        backward_recursive(parent, depth + 1)

x, h, L = diamond()
L.grad = 1.0
backward_recursive(L)
print('recursive dL/dx =', x.grad)

# %% [markdown]
# `h` pushed **twice**: first when only `u` had reached it (grad 3), then again when `v` had
# added $e^h$ (grad $3 + e^h$). Its first, incomplete push into `x` was never taken back, so
# `x.grad` counts the path through `u` twice. The usual patch, a `visited` set so that each
# node pushes only once, fails differently:

# %%
def backward_recursive_once(node, visited):
    if node in visited:
        return
    visited.add(node)
    if node._prev:
        print(f'{node.label} pushes grad {node.grad:.4f}')
    node._backward()
    for parent in node._prev:
        backward_recursive_once(parent, visited)

x, h, L = diamond()
L.grad = 1.0
backward_recursive_once(L, set())
print('recursive-once dL/dx =', x.grad, '  h.grad ended at', h.grad)

# %% [markdown]
# Now `h` pushed once, but too early: when it went, only `u` had contributed. The gradient
# through `v` arrived at `h` afterwards and never reached `x`. Both versions work on a
# chain, or a tree, which is why the bug hides; they break as soon as a value has two users.
#
# The fix is to decide the order first. A **topological order** lists every node after all
# of its parents (its inputs). Reversed, it lists every node before its parents, so by the
# time a node comes up, everything that uses it has already pushed into it. That is what
# `backward()` does: `topo_order` then a loop in reverse.

# %%
x, h, L = diamond()
order = topo_order(L)
print('topological order:', [node.label for node in order])
print('backward visits  :', [node.label for node in reversed(order) if node._prev])
position = {node: i for i, node in enumerate(order)}
assert all(position[parent] < position[node] for node in order for parent in node._prev)
L.backward()
import math
assert abs(x.grad - (3 + math.exp(h.data)) * (1 - h.data**2)) < 1e-12
print('dL/dx =', x.grad, '= (3 + e^h)(1 - h^2)')

# %% [markdown]
# ## The backward pass as a program
#
# Reverse mode is often written as two straight-line programs, a *Wengert list*: the
# forward computation, one line per node in topological order, then the *adjoint* program,
# the same nodes in reverse order, each line adding one term of the chain rule,
# `g_parent += (local derivative) * g_node`, where `g_v` stands for $\partial L / \partial v$.
# `autograd.trace` records a function's graph and prints both halves. Read the backward
# half of the diamond: `g_t1` (the gradient of $h$) receives two terms, one from `u` and one
# from `v`, and both arrive before the line that reads `g_t1`. That is the reverse
# topological order at work: the chain rule multiplied from the back (the loss) to the front,
# each line using forward values that were stored on the way.

# %%
from autograd import trace

def diamond_loss(x):
    h = x.tanh(); h.label = 'h'
    u = h * 3; u.label = 'u'
    v = h.exp(); v.label = 'v'
    L = u + v; L.label = 'L'
    return L

program = trace(diamond_loss, 0.5)
print(program)

# %% [markdown]
# The steps of the stepper above are these backward lines, one node at a time, and `explain`
# sums the same local derivatives path by path. Calling the program replays both halves for
# a new input without building a single node, and gives the floats `backward()` gives, bit
# for bit; the input's gradient is in `program.input_grads`.

# %%
for x_value in (0.5, -1.25):
    value = program(x_value)
    x = Value(x_value)
    L = diamond_loss(x)
    L.backward()
    assert (value, program.input_grads[0]) == (L.data, x.grad)
    print(f'x = {x_value}: L = {value:.6f}, dL/dx = {program.input_grads[0]:.6f}, the same as backward()')

# %% [markdown]
# ## Sorting without recursion
#
# The textbook topological sort is a recursive depth-first search: visit a node's parents,
# then append the node. Python allows about a thousand nested calls, so that sort fails on
# a long chain, such as a sum of a few thousand terms (`sum(values)` builds a chain).

# %%
import sys

def topo_order_recursive(root):
    order, seen = [], set()
    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node._prev:
                visit(parent)
            order.append(node)
    visit(root)
    return order

terms = [Value(float(i)) for i in range(5000)]
total = sum(terms)                       # a chain of 5,000 additions
try:
    topo_order_recursive(total)
except RecursionError as error:
    print(f'recursive sort: {type(error).__name__} ({error}); the limit is {sys.getrecursionlimit()} calls')
total.backward()                        # the engine's sort keeps its own stack
print('engine backward: d(total)/d(term) =', {t.grad for t in terms})

# %% [markdown]
# `autograd.graph.topo_order` does the same depth-first search with an explicit stack of
# parent iterators, so a chain of a million operations needs no more Python stack than a
# chain of three.
#
# **Next:** notebook 3 builds neurons into layers and networks and trains them.
