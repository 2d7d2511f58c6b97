# %% [markdown]
# # 5. The cost of a gradient
#
# A network with $P$ parameters has a gradient with $P$ entries. How much work is it to
# get them all? This notebook derives the answer, then measures it three ways on networks
# of growing size:
#
# * **finite differences**: nudge one parameter at a time and re-run the network;
# * **forward mode**: push a derivative forward through the graph, one pass per parameter;
# * **reverse mode** (backpropagation): one forward pass, then one backward pass for all of them.
#
# It ends with the smallest network of all, logistic regression, whose gradient has a
# closed form we can check the engine against.

# %% [markdown]
# ## The chain rule is a product; backprop chooses the order
#
# Write the loss as a composition of steps, $L = f_N \circ f_{N-1} \circ \dots \circ f_1$,
# where $f_1$ takes the $D_0$ parameters (or inputs) and $f_N$ returns a single number.
# Let $J_k$ be the Jacobian of step $k$: the $D_k \times D_{k-1}$ matrix of partial
# derivatives of its outputs with respect to its inputs. The chain rule says the gradient
# (a $1 \times D_0$ row) is the product
#
# $$\nabla L = J_N\, J_{N-1} \cdots J_2\, J_1, \qquad J_N \text{ is } 1 \times D_{N-1}.$$
#
# Matrix multiplication is associative, so any bracketing gives the same numbers, but not
# at the same price. With every $D_k = D$:
#
# * **From the loss end** (reverse): $\big(\big((J_N J_{N-1}) J_{N-2}\big) \cdots\big) J_1$.
#   $J_N$ is a row, and a row times a matrix is again a row, so every step is a
#   vector-times-matrix product: about $D^2$ multiplications each, $N D^2$ in all.
# * **From the input end** (forward): $J_N\big(J_{N-1}\cdots(J_2 J_1)\big)$. Now every step
#   is a matrix-times-matrix product, about $D^3$ each: $N D^3$ in all. Doing it one input
#   direction at a time (one column of $J_1$ per pass) costs the same: $D$ passes of $N D^2$.
#
# Same factors, different association: that is the entire difference between reverse and
# forward accumulation. Reverse wins when there are many inputs and one output, which is
# exactly the situation of training (millions of parameters, one loss). The row vector
# being carried backward is the vector of gradients with respect to an intermediate
# result; in the engine, the `.grad` fields of one layer.
#
# A numpy experiment with random matrices:

# %%
import time

import numpy as np

import gc

def best_time(function, repeat=5):
    """Best wall time of several runs, in seconds (the least disturbed by other work).

    As `timeit` does, the cyclic garbage collector is paused while timing, so that a
    collection triggered by earlier allocations is not billed to whichever method is
    running when it happens. (The engine frees graphs by reference counting anyway.)
    """
    best = float('inf')
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            function()
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best

rng = np.random.default_rng(0)
D, N = 300, 8
jacobians = [rng.normal(size=(D, D)) / np.sqrt(D) for _ in range(N - 1)]   # J_1 ... J_{N-1}
loss_row = rng.normal(size=(1, D))                                           # J_N: one output

def from_the_loss_end():
    row = loss_row
    for J in reversed(jacobians):       # (((J_N J_{N-1}) J_{N-2}) ...) J_1
        row = row @ J
    return row

def from_the_input_end():
    product = jacobians[0]
    for J in jacobians[1:]:             # J_N (J_{N-1} ( ... (J_2 J_1)))
        product = J @ product
    return loss_row @ product

assert np.allclose(from_the_loss_end(), from_the_input_end())
reverse_seconds, forward_seconds = best_time(from_the_loss_end), best_time(from_the_input_end)
print(f'reverse order (vector x matrix): {reverse_seconds * 1e3:7.3f} ms')
print(f'forward order (matrix x matrix): {forward_seconds * 1e3:7.3f} ms')
print(f'forward / reverse: {forward_seconds / reverse_seconds:.0f}x   '
      f'(multiplication counts: {((N - 2) * D**3 + D**2) / ((N - 1) * D**2):.0f}x)')

# %% [markdown]
# The measured ratio depends on the linear-algebra library numpy uses and on how busy the
# machine is; the count of multiplications is the part that does not change: about $D$
# times more work when the product is formed from the input end.
#
# ## Three ways to get every partial derivative of a network
#
# Now the real thing: a small multilayer perceptron, its parameters given as one flat
# list, so that the loss is a plain function of $P$ numbers. We write it out directly, so
# each method below calls exactly the same function.

# %%
import random

from autograd import Value, jvp, no_grad

def parameter_count(nin, hidden):
    sizes = [nin] + hidden + [1]
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))

def make_loss(nin, hidden, x, target):
    """loss(*parameters): squared error of a tanh MLP (linear output) on one example."""
    sizes = [nin] + hidden + [1]

    def loss(*parameters):
        position = 0
        activity = x
        for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            outputs = []
            for _ in range(n_out):
                weights = parameters[position:position + n_in]
                bias = parameters[position + n_in]
                position += n_in + 1
                z = sum((w * a for w, a in zip(weights, activity)), bias)
                outputs.append(z if layer == len(sizes) - 2 else z.tanh())
            activity = outputs
        return (activity[0] - target) ** 2

    return loss

nin, x, target = 3, [0.5, -1.0, 2.0], 1.0
print('P for widths 4, 8, 16, 24:', [parameter_count(nin, [h, h]) for h in (4, 8, 16, 24)])

# %% [markdown]
# The three methods, each returning the full gradient as a list of $P$ floats:
#
# * **Finite differences**: $\frac{\partial L}{\partial \theta_j} \approx \frac{L(\theta + h e_j) - L(\theta)}{h}$,
#   where $e_j$ is the $j$-th unit vector. One evaluation of $L(\theta)$ plus one per
#   parameter: **$P + 1$ forward passes**. (Central differences, more accurate, need $2P$.)
#   No graph is needed, so these passes run under `no_grad()`.
# * **Forward mode**: `jvp(f, point, direction)` carries, alongside every value, its rate of
#   change as the inputs move along `direction` (the tangent), using the same local
#   derivatives as backprop but from the inputs toward the output. With direction $e_j$ it
#   returns $\partial L/\partial\theta_j$, exactly (no $h$), but still **one pass per parameter**.
# * **Reverse mode**: one forward pass that records the graph, then `backward()`.

# %%
def gradient_by_finite_differences(loss, theta, h=1e-6):
    parameters = [Value(t) for t in theta]
    with no_grad():
        base = loss(*parameters).data
        gradient = []
        for parameter, original in zip(parameters, theta):
            parameter.data = original + h  # nudge one parameter, re-run, put it back
            gradient.append((loss(*parameters).data - base) / h)
            parameter.data = original
    return gradient

def gradient_by_forward_mode(loss, theta):
    gradient = []
    for j in range(len(theta)):
        direction = [0.0] * len(theta)
        direction[j] = 1.0
        gradient.append(jvp(loss, theta, direction)[1])
    return gradient

def gradient_by_reverse_mode(loss, theta):
    parameters = [Value(t) for t in theta]
    loss(*parameters).backward()
    return [p.grad for p in parameters]

def one_forward_pass(loss, theta):
    return loss(*[Value(t) for t in theta])

# %% [markdown]
# First, do they agree? On a small network:

# %%
seeded = random.Random(5)
loss = make_loss(nin, [4, 4], x, target)
theta = [seeded.uniform(-1, 1) for _ in range(parameter_count(nin, [4, 4]))]
reverse = gradient_by_reverse_mode(loss, theta)
forward = gradient_by_forward_mode(loss, theta)
finite = gradient_by_finite_differences(loss, theta)
print('max |forward mode - reverse mode|      :', max(abs(f - r) for f, r in zip(forward, reverse)))
print('max |finite differences - reverse mode|:', max(abs(f - r) for f, r in zip(finite, reverse)))
assert max(abs(f - r) for f, r in zip(forward, reverse)) < 1e-12
assert max(abs(f - r) for f, r in zip(finite, reverse)) < 1e-4

# %% [markdown]
# Forward and reverse mode agree to rounding; finite differences only to about $10^{-6}$,
# the size of the nudge. Now the timings, on networks with two hidden layers of growing
# width. Each time is divided by the time of **one forward pass** (recording the graph, as
# reverse mode must), so the numbers say "how many forward passes' worth of work".

# %%
widths = [2, 4, 8, 12, 16, 24]
rows = []
for width in widths:
    P = parameter_count(nin, [width, width])
    loss = make_loss(nin, [width, width], x, target)
    theta = [seeded.uniform(-1, 1) for _ in range(P)]
    repeat = 3 if P > 300 else 7
    forward_pass = best_time(lambda: one_forward_pass(loss, theta), repeat=50)
    reverse_time = best_time(lambda: gradient_by_reverse_mode(loss, theta), repeat=50)
    finite_time = best_time(lambda: gradient_by_finite_differences(loss, theta), repeat=repeat)
    jvp_time = best_time(lambda: gradient_by_forward_mode(loss, theta), repeat=1 if P > 300 else 3)
    rows.append((P, forward_pass, finite_time, jvp_time, reverse_time))

print(f'{"P":>5} {"forward pass":>13} | {"finite diff":>12} {"forward mode":>13} {"reverse mode":>13}   (times one forward pass)')
for P, forward_pass, finite_time, jvp_time, reverse_time in rows:
    print(f'{P:5d} {forward_pass * 1e3:10.3f} ms | {finite_time / forward_pass:11.1f}x '
          f'{jvp_time / forward_pass:12.1f}x {reverse_time / forward_pass:12.2f}x')

# %%
import matplotlib.pyplot as plt

Ps = [row[0] for row in rows]
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(Ps, [row[2] for row in rows], 'o-', label='finite differences (P + 1 passes)')
ax.loglog(Ps, [row[3] for row in rows], 's-', label='forward mode, jvp (P passes)')
ax.loglog(Ps, [row[4] for row in rows], '^-', label='reverse mode (forward + backward)')
ax.loglog(Ps, [row[1] for row in rows], 'k--', label='one forward pass')
ax.set_xticks(Ps, [str(P) for P in Ps])
ax.minorticks_off()
ax.set_xlabel('number of parameters P')
ax.set_ylabel('seconds for the whole gradient')
ax.set_title('The cost of a gradient')
ax.legend()
plt.show()

# %%
P, forward_pass, finite_time, jvp_time, reverse_time = rows[-1]
print(f'At P = {P}:')
print(f'  finite differences / reverse mode: {finite_time / reverse_time:6.0f}x')
print(f'  forward mode       / reverse mode: {jvp_time / reverse_time:6.0f}x')
print(f'  reverse mode       / one forward pass: {reverse_time / forward_pass:.2f}x')

# %% [markdown]
# What the table and the plot say:
#
# * **Reverse mode stays at a small constant multiple of one forward pass**, whatever $P$:
#   the backward pass visits each node once and does a few multiplications there, about as
#   much work as the forward pass did to create it. On a log-log plot its line runs
#   parallel to the forward pass.
# * **Finite differences and forward mode grow like $P$ times a forward pass**, so their
#   total time grows like $P^2$: their lines are steeper. Finite differences keep no graph,
#   but each of their $P + 1$ passes still computes every intermediate value, so each costs
#   a good fraction of a forward pass. Forward mode is exact, but every one of its $P$ passes records
#   the graph and then computes a tangent for every node, several forward passes' worth.
# * For a network with a million weights the ratio would be about a million. That is why
#   every neural-network library is built around reverse mode. Forward mode is the right
#   tool in the opposite shape: few inputs, many outputs.

# %% [markdown]
# ## Logistic regression: the one-layer case, in closed form
#
# Logistic regression is a single neuron with a sigmoid, trained on labels
# $y_i \in \{-1, +1\}$. With $s_i = y_i\, w \cdot x_i$ (positive when example $i$ is on the
# right side), the loss is
#
# $$J(w) = \frac1N \sum_{i=1}^N \ln\left(1 + e^{-y_i\, w\cdot x_i}\right).$$
#
# (It is the cross-entropy of a sigmoid: $\ln(1 + e^{-s}) = -\ln \sigma(s)$.) The gradient
# comes from the chain rule in one line per example. $\frac{d}{ds}\ln(1 + e^{-s}) = \frac{-e^{-s}}{1 + e^{-s}} = \frac{-1}{1 + e^{s}}$
# (multiply top and bottom by $e^{s}$), and $\nabla_w s_i = y_i x_i$, so
#
# $$\nabla_w J = \frac1N \sum_{i=1}^N \frac{-y_i\, x_i}{1 + e^{\,y_i\, w\cdot x_i}} .$$
#
# Each example pulls $w$ toward $y_i x_i$ with weight $\frac{1}{1 + e^{s_i}} = \sigma(-s_i)$:
# nearly 1 for an example on the wrong side, nearly 0 for one already classified with a
# wide margin. The sign in that exponent is easy to get wrong; the engine settles it.

# %%
data_rng = random.Random(7)
true_w = [1.5, -2.0, 0.5]
N = 40
xs = [[data_rng.gauss(0, 1) for _ in range(3)] for _ in range(N)]
ys = [1.0 if sum(w * v for w, v in zip(true_w, x_i)) + data_rng.gauss(0, 0.5) > 0 else -1.0 for x_i in xs]
w_now = [0.3, 0.1, -0.2]

weights = [Value(w, label=f'w{k}') for k, w in enumerate(w_now)]
J = sum((1 + (-y_i * sum(w * v for w, v in zip(weights, x_i))).exp()).log()
        for x_i, y_i in zip(xs, ys)) / N
J.backward()
engine_gradient = [w.grad for w in weights]

def closed_form_gradient(w, sign_in_exponent=+1):
    gradient = [0.0, 0.0, 0.0]
    for x_i, y_i in zip(xs, ys):
        margin = y_i * sum(wk * v for wk, v in zip(w, x_i))
        for k in range(3):
            gradient[k] += -y_i * x_i[k] / (1 + np.exp(sign_in_exponent * margin)) / N
    return gradient

print('engine     :', np.round(engine_gradient, 12))
print('closed form:', np.round(closed_form_gradient(w_now), 12))
difference = max(abs(a - b) for a, b in zip(engine_gradient, closed_form_gradient(w_now)))
print('max difference:', difference)
assert difference < 1e-14
wrong_sign = max(abs(a - b) for a, b in zip(engine_gradient, closed_form_gradient(w_now, -1)))
print('with e^(-y w.x) in the denominator instead, the difference would be', round(wrong_sign, 3))

# %% [markdown]
# ## Why the pairing of sigmoid and cross-entropy matters
#
# The same output $p = \sigma(z)$ can be trained with cross-entropy or with the squared
# error. Their gradients with respect to the pre-activation $z$, for a target $t = 1$:
#
# * cross-entropy, $-\ln p$: $\frac{\partial}{\partial z} = p - 1$;
# * squared error, $(p - 1)^2$: $\frac{\partial}{\partial z} = 2(p - 1)\,p(1 - p)$.
#
# The squared error carries the extra factor $\sigma'(z) = p(1-p)$. When the neuron is
# saturated on the wrong side ($z \ll 0$, so $p \approx 0$), that factor is nearly 0: the
# prediction is as wrong as it can be, and the gradient that should fix it vanishes. The
# cross-entropy gradient stays near $-1$ there. Measured with the engine:

# %%
def gradient_at(z_number, loss_of_p):
    z = Value(z_number)
    loss_of_p(z.sigmoid()).backward()
    return z.grad

zs = [i / 10 for i in range(-100, 101)]
cross_entropy = [gradient_at(z, lambda p: -p.log()) for z in zs]
squared_error = [gradient_at(z, lambda p: (p - 1) ** 2) for z in zs]

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(zs, [abs(g) for g in cross_entropy], label='cross-entropy  |dL/dz| = 1 - p')
ax.plot(zs, [abs(g) for g in squared_error], label='squared error  |dL/dz| = 2 (1 - p) p (1 - p)')
ax.set_xlabel('z   (target t = 1: z << 0 is confidently wrong)')
ax.set_ylabel('|dL/dz|')
ax.legend()
plt.show()
for z in [-8.0, -2.0, 0.0, 2.0]:
    print(f'z = {z:5.1f}   cross-entropy dL/dz = {gradient_at(z, lambda p: -p.log()):8.5f}'
          f'   squared error dL/dz = {gradient_at(z, lambda p: (p - 1) ** 2):8.5f}')

# %% [markdown]
# A saturated sigmoid learns slowly under the squared error, however wrong it is; with the
# cross-entropy, the most wrong predictions get the largest corrections. That is why
# classifiers pair a sigmoid (or softmax) output with the cross-entropy, as notebook 3 does.
