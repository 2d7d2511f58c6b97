# %% [markdown]
# # 4. The matrix form of backpropagation
#
# The engine differentiates one scalar operation at a time. Real libraries do the same
# calculus a whole layer at a time, with matrix products. In this notebook we derive
# those layer-at-a-time equations from the scalar chain rule, implement them with numpy,
# and check them against the engine's per-scalar gradients **on the same weights and
# inputs**. They must agree to the last few bits of a float.
#
# We derive the equations twice, because both conventions are in common use:
#
# * **column form**: a layer computes $z = W a + b$ with $a$ a column vector (one example);
# * **row-major form**: with the examples as the rows of a data matrix $X$, a layer computes
#   $Z = A W + b$.

# %% [markdown]
# ## The network
#
# A fully connected network with layers $l = 1, \dots, L$. Layer $l$ has $n_l$ neurons;
# $n_0$ is the number of inputs. For one example, with $a^0 = x$:
#
# $$z^l = W^l a^{l-1} + b^l, \qquad a^l = \sigma_l(z^l),$$
#
# where $W^l$ is $n_l \times n_{l-1}$ (row $j$ holds the weights of neuron $j$, so
# $W^l_{jk}$ connects input $k$ to neuron $j$), $b^l$ has $n_l$ entries, and $\sigma_l$
# acts on each entry separately. Ours has sizes $3 \to 4 \to 3 \to 2$, tanh in the hidden
# layers and a sigmoid at the output, and the cost is the mean squared error over $m$
# examples:
#
# $$C = \frac{1}{m} \sum_{i=1}^{m} \sum_{j} \left(a^L_j(x_i) - y_{ij}\right)^2 .$$

# %%
import math
import random

import numpy as np

sizes = [3, 4, 3, 2]
activations = ['tanh', 'tanh', 'sigmoid']
number_of_examples = 5

rng = random.Random(4)
# weights[l][j][k]: layer l+1, neuron j, input k  (the W^l of the text, stored as lists)
weights = [[[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)]
           for n_in, n_out in zip(sizes, sizes[1:])]
biases = [[rng.uniform(-1, 1) for _ in range(n_out)] for n_out in sizes[1:]]
inputs = [[rng.uniform(-2, 2) for _ in range(sizes[0])] for _ in range(number_of_examples)]
targets = [[rng.choice([0.0, 1.0]) for _ in range(sizes[-1])] for _ in range(number_of_examples)]
print('parameters:', sum(len(w) * len(w[0]) + len(b) for w, b in zip(weights, biases)))

# %% [markdown]
# ## The reference: the engine, one scalar at a time
#
# Every weight, bias and input becomes a `Value`, and the forward pass is written with
# plain loops, neuron by neuron. `backward()` then fills in $\partial C / \partial w$ for
# every weight. Nothing here knows about matrices.

# %%
from autograd import Value

W_values = [[[Value(w) for w in row] for row in layer] for layer in weights]
b_values = [[Value(b) for b in layer] for layer in biases]

def activate(z, name):
    return z.tanh() if name == 'tanh' else z.sigmoid()

def forward_scalar(x):
    a = x
    for W, b, name in zip(W_values, b_values, activations):
        a = [activate(sum((w_jk * a_k for w_jk, a_k in zip(row, a)), b_j), name)
             for row, b_j in zip(W, b)]
    return a

cost = sum((a_j - y_j) ** 2
           for x, y in zip(inputs, targets)
           for a_j, y_j in zip(forward_scalar(x), y)) / number_of_examples
cost.backward()
engine_dW = [np.array([[w.grad for w in row] for row in W]) for W in W_values]
engine_db = [np.array([b.grad for b in layer]) for layer in b_values]
print('C =', cost.data)

# %% [markdown]
# ## Column form, derived
#
# Call $\delta^l = \partial C / \partial z^l$ the **error** of layer $l$: how the cost
# responds to the weighted input of each of its neurons. Everything follows from it.
# Start with a single example (the cost of $m$ examples is an average, so its gradient is
# the average of the per-example gradients).
#
# **Output layer.** $C$ depends on $z^L_j$ only through $a^L_j = \sigma(z^L_j)$, so
#
# $$\delta^L_j = \frac{\partial C}{\partial a^L_j}\,\sigma'(z^L_j)
# \quad\Longrightarrow\quad \delta^L = \nabla_{a^L} C \odot \sigma'(z^L),$$
#
# where $\odot$ multiplies entry by entry (the Hadamard product).
#
# **One layer back.** $z^{l-1}_k$ influences the cost through *every* neuron of layer $l$
# (each $z^l_j = \sum_k W^l_{jk}\,\sigma(z^{l-1}_k) + b^l_j$ uses it). The multivariable
# chain rule, $\frac{\partial y}{\partial t} = \sum_i \frac{\partial y}{\partial x_i}\frac{\partial x_i}{\partial t}$,
# sums over those paths:
#
# $$\delta^{l-1}_k = \sum_j \frac{\partial C}{\partial z^l_j}\,\frac{\partial z^l_j}{\partial z^{l-1}_k}
# = \sum_j \delta^l_j\, W^l_{jk}\, \sigma'(z^{l-1}_k)
# \quad\Longrightarrow\quad \delta^{l-1} = (W^l)^\top \delta^l \odot \sigma'(z^{l-1}).$$
#
# The sum over $j$ of $W^l_{jk}\,\delta^l_j$ is row $k$ of $(W^l)^\top \delta^l$: the
# transpose appears because we go *against* the direction the weights carried the signal.
# In the engine, the same sum is the `+=` into $a^{l-1}_k$ from each neuron that uses it.
#
# **Parameters.** $z^l_j$ depends on $b^l_j$ with slope 1 and on $W^l_{jk}$ with slope
# $a^{l-1}_k$, so
#
# $$\frac{\partial C}{\partial b^l} = \delta^l, \qquad
# \frac{\partial C}{\partial W^l_{jk}} = \delta^l_j\, a^{l-1}_k
# \quad\Longrightarrow\quad \frac{\partial C}{\partial W^l} = \delta^l\, (a^{l-1})^\top .$$
#
# The weight gradient is an outer product: (error of the neuron) × (activity of the input).
# A weight fed by an input that is near 0 barely learns from that example.
#
# For our cost, per example $\nabla_{a^L} C = \frac{2}{m}(a^L - y)$, and the derivatives
# of the activations are $\tanh' z = 1 - \tanh^2 z$ and $\sigma'(z) = \sigma(z)(1 - \sigma(z))$,
# both computable from the activation $a$ that the forward pass already stored.

# %%
def activation(z, name):
    return np.tanh(z) if name == 'tanh' else 1.0 / (1.0 + np.exp(-z))

def activation_slope(a, name):
    """sigma'(z) written with a = sigma(z), which the forward pass kept."""
    return 1.0 - a**2 if name == 'tanh' else a * (1.0 - a)

Ws = [np.array(W) for W in weights]       # column form: W^l is n_l x n_{l-1}
bs = [np.array(b) for b in biases]

def gradients_one_example(x, y):
    activities = [np.array(x)]            # a^0, a^1, ..., a^L (kept for the backward pass)
    for W, b, name in zip(Ws, bs, activations):
        activities.append(activation(W @ activities[-1] + b, name))
    delta = 2.0 / number_of_examples * (activities[-1] - np.array(y)) \
        * activation_slope(activities[-1], activations[-1])
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    for l in reversed(range(len(Ws))):
        dWs[l] = np.outer(delta, activities[l])   # delta^l (a^{l-1})^T
        dbs[l] = delta
        if l > 0:
            delta = (Ws[l].T @ delta) * activation_slope(activities[l], activations[l - 1])
    return dWs, dbs

per_example = [gradients_one_example(x, y) for x, y in zip(inputs, targets)]
column_dW = [sum(g[0][l] for g in per_example) for l in range(len(Ws))]
column_db = [sum(g[1][l] for g in per_example) for l in range(len(Ws))]

# %% [markdown]
# The loop over examples can go too: put the $m$ examples side by side as the **columns**
# of $A^0 = X^\top$ ($n_0 \times m$). Then $Z^l = W^l A^{l-1} + b^l$ (the bias added to
# every column) computes every example at once, $\Delta^l$ holds one error column per
# example, and the sum over examples of $\delta^l (a^{l-1})^\top$ is exactly the matrix
# product $\Delta^l (A^{l-1})^\top$. The bias gradient sums each row of $\Delta^l$.

# %%
def gradients_column_batch(X, Y):
    activities = [X.T]                    # n_0 x m: one column per example
    for W, b, name in zip(Ws, bs, activations):
        activities.append(activation(W @ activities[-1] + b[:, None], name))
    m = X.shape[0]
    Delta = 2.0 / m * (activities[-1] - Y.T) * activation_slope(activities[-1], activations[-1])
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    for l in reversed(range(len(Ws))):
        dWs[l] = Delta @ activities[l].T
        dbs[l] = Delta.sum(axis=1)
        if l > 0:
            Delta = (Ws[l].T @ Delta) * activation_slope(activities[l], activations[l - 1])
    return dWs, dbs

X = np.array(inputs)     # m x n_0, one example per row
Y = np.array(targets)    # m x n_L
batch_dW, batch_db = gradients_column_batch(X, Y)

# %% [markdown]
# ## Row-major form, derived
#
# Most array code keeps examples as **rows**: $X$ is $m \times n_0$, and a layer is
#
# $$Z = A\,W + \mathbf{1} b^\top, \qquad A_{\text{next}} = \sigma(Z),$$
#
# with $W$ now $n_{l-1} \times n_l$ (it is the transpose of the column-form $W^l$).
# Write $\frac{\partial C}{\partial M}$ for the matrix of partial derivatives with the same
# shape as $M$. Two rules cover a layer; both are the multivariable chain rule with the
# index sums written as products.
#
# * **Matrix product** $Z = A W$, i.e. $Z_{ij} = \sum_k A_{ik} W_{kj}$. Entry $W_{kj}$
#   appears in every row $i$ of column $j$, with coefficient $A_{ik}$; entry $A_{ik}$
#   appears in every column $j$ of row $i$, with coefficient $W_{kj}$:
#
#   $$\frac{\partial C}{\partial W_{kj}} = \sum_i A_{ik} \frac{\partial C}{\partial Z_{ij}}
#   \;\Rightarrow\; \frac{\partial C}{\partial W} = A^\top \frac{\partial C}{\partial Z},
#   \qquad
#   \frac{\partial C}{\partial A_{ik}} = \sum_j \frac{\partial C}{\partial Z_{ij}} W_{kj}
#   \;\Rightarrow\; \frac{\partial C}{\partial A} = \frac{\partial C}{\partial Z} W^\top .$$
#
#   A quick way to remember which side the transpose goes: the result must have the shape
#   of $W$ (or of $A$).
# * **Entrywise function** $A = \sigma(Z)$: each $A_{ij}$ depends on $Z_{ij}$ alone, so
#   $\frac{\partial C}{\partial Z} = \frac{\partial C}{\partial A} \odot \sigma'(Z)$.
# * The bias row is added to every row of $Z$, so its gradient sums $\frac{\partial C}{\partial Z}$ over the rows (the examples).
#
# The cost is $C = \frac{1}{m}\lVert A^L - Y \rVert_F^2 = \frac1m \sum_{ij} (A^L_{ij} - Y_{ij})^2$,
# so $\frac{\partial C}{\partial A^L_{ij}} = \frac{2}{m}(A^L_{ij} - Y_{ij})$, that is,
#
# $$\frac{\partial C}{\partial A^L} = \frac{2}{m}\left(A^L - Y\right).$$
#
# The backward pass starts there and applies the rules layer by layer, from the output down.

# %%
Ws_row = [W.T for W in Ws]               # row-major: n_{l-1} x n_l

def forward_row_major(X, Ws_row=Ws_row):
    """[A^0, A^1, ..., A^L], each with one row per example."""
    activities = [X]
    for W, b, name in zip(Ws_row, bs, activations):
        activities.append(activation(activities[-1] @ W + b, name))
    return activities

def gradients_row_major(X, Y, Ws_row=Ws_row):
    activities = forward_row_major(X, Ws_row)
    m = X.shape[0]
    dA = 2.0 / m * (activities[-1] - Y)   # dC/dA^L for the mean squared error
    dWs, dbs = [None] * len(Ws_row), [None] * len(Ws_row)
    for l in reversed(range(len(Ws_row))):
        dZ = dA * activation_slope(activities[l + 1], activations[l])
        dWs[l] = activities[l].T @ dZ     # dC/dW = A^T dC/dZ
        dbs[l] = dZ.sum(axis=0)
        dA = dZ @ Ws_row[l].T             # dC/dA = dC/dZ W^T
    return dWs, dbs

row_dW, row_db = gradients_row_major(X, Y)

# %% [markdown]
# ## The comparison
#
# Four computations of the same gradient: the engine, the column form one example at a
# time, the column form on a batch, and the row-major form (whose $W$ is transposed, so we
# transpose its gradient back). The differences should be at the level of rounding: a
# float has a relative precision of about $2 \times 10^{-16}$.

# %%
def max_difference(dWs, dbs, transpose=False):
    return max(max(np.max(np.abs((dW.T if transpose else dW) - e)) for dW, e in zip(dWs, engine_dW)),
               max(np.max(np.abs(db - e)) for db, e in zip(dbs, engine_db)))

largest_gradient = max(np.max(np.abs(g)) for g in engine_dW + engine_db)
differences = {
    'column form, one example at a time': max_difference(column_dW, column_db),
    'column form, batch in columns (W A)': max_difference(batch_dW, batch_db),
    'row-major form (X W)': max_difference(row_dW, row_db, transpose=True),
}
print(f'largest gradient entry: {largest_gradient:.3f}')
for name, difference in differences.items():
    print(f'max |numpy - engine|, {name:36s}: {difference:.2e}')
assert all(difference < 1e-14 for difference in differences.values()), differences

# %% [markdown]
# The vectorised equations and the scalar engine agree to rounding error. They are the
# same sums of products of local derivatives, computed in a different grouping.
#
# One more check that needs neither: the output-layer weight gradient by central
# differences on the numpy cost.

# %%
def numpy_cost(Ws_row, X, Y):
    return np.sum((forward_row_major(X, Ws_row)[-1] - Y) ** 2) / X.shape[0]

eps = 1e-6
numeric = np.zeros_like(Ws_row[-1])
for k in range(numeric.shape[0]):
    for j in range(numeric.shape[1]):
        up = [W.copy() for W in Ws_row]; up[-1][k, j] += eps
        down = [W.copy() for W in Ws_row]; down[-1][k, j] -= eps
        numeric[k, j] = (numpy_cost(up, X, Y) - numpy_cost(down, X, Y)) / (2 * eps)
print('max |central difference - row-major|, last layer:', np.max(np.abs(numeric - row_dW[-1])))
assert np.allclose(numeric, row_dW[-1], atol=1e-8)

# %% [markdown]
# ## Saturation, read off the equations
#
# Every $\delta^l$ carries a factor $\sigma'(z^l)$. For the sigmoid,
# $\sigma'(z) = \sigma(z)(1 - \sigma(z)) \le \tfrac14$, and it is nearly 0 once $|z|$
# is more than a few units: a **saturated** neuron passes almost no gradient back, to its own
# weights or to the layers below it, however wrong its output is. In our small network the
# output neurons are far from saturated:

# %%
np.set_printoptions(precision=3, suppress=True)
print("sigma'(z^L) = a (1 - a) at the output, one row per example:")
print(activation_slope(forward_row_major(X)[-1], 'sigmoid'))

# %% [markdown]
# Now scale every weight up. At first the gradients grow (the backward pass multiplies by
# the weights too), but once the neurons saturate the $\sigma'$ factors win: the cost is
# larger than ever, yet the gradient collapses, most of all in the first layer, whose
# error has passed through the most $\sigma'$ factors.

# %%
for scale in [1, 10, 30, 100]:
    scaled = [scale * W for W in Ws_row]
    dWs, _ = gradients_row_major(X, Y, scaled)
    sizes_of_gradients = '  '.join(f'layer {l + 1}: {np.max(np.abs(dW)):.1e}' for l, dW in enumerate(dWs))
    print(f'weights x{scale:<3d} cost {numpy_cost(scaled, X, Y):.3f}   max |dC/dW|  {sizes_of_gradients}')

# %% [markdown]
# ## Why bother: speed
#
# The matrix form computes the same numbers with a handful of array operations instead of
# one Python object per multiplication. On a bigger batch (the same network, 2,000
# examples):

# %%
import time

big_rng = np.random.default_rng(0)
X_big = big_rng.uniform(-2, 2, size=(2000, sizes[0]))
Y_big = big_rng.integers(0, 2, size=(2000, sizes[-1])).astype(float)

start = time.perf_counter()
for _ in range(10):
    gradients_row_major(X_big, Y_big)
numpy_seconds = (time.perf_counter() - start) / 10

start = time.perf_counter()
for W in W_values:
    for row in W:
        for w in row:
            w.grad = 0.0
big_cost = sum((a_j - y_j) ** 2
               for x, y in zip(X_big.tolist(), Y_big.tolist())
               for a_j, y_j in zip(forward_scalar(x), y)) / len(X_big)
big_cost.backward()
engine_seconds = time.perf_counter() - start
print(f'engine (forward + backward): {engine_seconds * 1e3:8.1f} ms')
print(f'numpy row-major:             {numpy_seconds * 1e3:8.3f} ms')
print(f'the engine takes {engine_seconds / numpy_seconds:.0f}x as long')
assert abs(big_cost.data - numpy_cost(Ws_row, X_big, Y_big)) < 1e-12   # same cost, computed both ways

# %% [markdown]
# The engine exists to make each step visible, not to be fast: per scalar it does what
# numpy does per array. The equations are the same.
#
# **Next:** notebook 5 measures what a gradient costs, and why reverse mode wins.
