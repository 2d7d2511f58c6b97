# %% [markdown]
# # 3. From a neuron to an MLP
#
# A neural network is nothing but a big expression made of `Value`s: weighted sums and
# squashing functions, nested. So everything from notebooks 1 and 2 applies unchanged:
# the forward pass builds a graph, `backward()` fills every weight's `.grad`, and training
# nudges each weight a little against its gradient. This notebook builds the pieces (the
# `nn` package), looks at the graph of a small network, then trains networks on two toy
# datasets.

# %% [markdown]
# ## Neuron, Layer, MLP
#
# * A **`Neuron(nin)`** holds `nin` weights and a bias and computes
#   $\text{act}(w \cdot x + b)$.
# * A **`Layer(nin, nout)`** is `nout` neurons that all read the same inputs.
# * An **`MLP(nin, [n1, n2, ..., nout])`** (multilayer perceptron) chains layers: each
#   layer's outputs are the next layer's inputs. As in micrograd, the hidden layers use ReLU
#   and the last layer is linear (its outputs are raw scores).
#
# Initialisation is reproducible from a seed, and every parameter is named after where it
# lives.

# %%
import nn
from autograd import draw_dot

neuron = nn.Neuron(3, activation='tanh', seed=0)
print(neuron, '->', neuron([1.0, -2.0, 0.5]))

model = nn.MLP(2, [16, 16, 1], seed=0)
model

# %%
for name, p in list(model.named_parameters())[:4]:
    print(f'{name:22s} {p.data:+.4f}')
print('...')
print('number of parameters:', model.num_parameters(), '= (2+1)*16 + (16+1)*16 + (16+1)*1')

# %% [markdown]
# ## The graph of a network on one input
#
# A tiny network, `MLP(2, [3, 1])` (three tanh neurons, then one output), is small enough
# to draw whole. `model.forward_with_groups(x)` runs the forward pass and also records which neuron made
# each node, so the drawing can put each neuron in its own box, inside a box per layer. After `backward()`, every weight shows
# its gradient; with `color_grads=True` the fill says its sign (blue positive, red negative)
# and size.

# %%
tiny = nn.MLP(2, [3, 1], activation='tanh', seed=1)
output, groups = tiny.forward_with_groups([0.5, -1.5])
output.backward()
draw_dot(output, groups=groups, color_grads=True)

# %% [markdown]
# The full 2-16-16-1 network on one input has about a thousand values (337 parameters and
# 640 computed ones): too many to read. With `collapse=True` each neuron becomes one box
# showing its output's data and grad, and the edges between neurons stay: the network's
# shape as textbooks draw it, but with this input's numbers in it.

# %%
output, groups = model.forward_with_groups([0.5, -1.5])
output.backward()
draw_dot(output, groups=groups, collapse=True, rankdir='LR')

# %% [markdown]
# ## Training on two moons
#
# The dataset: two interleaved half-circles, 100 points, labels 0 and 1.

# %%
X, y = nn.datasets.moons(n=100, noise=0.1, seed=0)
print(len(X), 'points, e.g.', [round(v, 3) for v in X[0]], '-> class', y[0])

# %% [markdown]
# Training repeats four steps: forward (the model's score for every point), loss (one
# `Value` that is large when scores are on the wrong side), `backward()`, and an update
# $w \leftarrow w - \eta\, \partial \text{loss}/\partial w$ for every parameter. `nn.fit`
# runs that loop with micrograd's recipe (a max-margin "hinge" loss on scores, plain
# gradient descent with a learning rate decaying from 1.0 to 0.1, a small L2 penalty) and
# shows a progress bar with the live loss and accuracy.
#
# The loss is an ordinary `Value`, so the whole step is exactly what notebook 1 did by hand,
# on about 65,000 computed nodes per step. (The bar is live when you run the notebook; a saved copy
# viewed on a website shows only its first frame, so the summary printed below is the
# record of the run.)

# %%
model = nn.MLP(2, [16, 16, 1], seed=0)
history = nn.fit(model, X, y, loss='hinge', steps=100)
history

# %%
nn.plot_history(history, title='two moons, hinge loss')

# %% [markdown]
# The decision boundary: the plane coloured by the class the model predicts (evaluated
# under `no_grad()`, since no gradients are needed to draw it), with the training points on
# top. With ReLU units the boundary is made of straight pieces.

# %%
nn.plot_decision_boundary(model, X, y, resolution=50, title='two moons')

# %% [markdown]
# ## More than two classes: spirals and softmax cross-entropy
#
# Three interleaved spiral arms, one per class. A single score no longer suffices: the
# network gets one output per class, $s_1, s_2, s_3$, and the **softmax** turns them into
# probabilities $p_k = e^{s_k} / \sum_j e^{s_j}$. The loss is the **cross-entropy**
# $-\ln p_{\text{true class}}$, averaged over the points. Its gradient with respect to the
# scores is remarkably simple, $\partial(-\ln p_c)/\partial s_k = p_k - [k = c]$: push the
# true class's score up and every other score down, each in proportion to how wrong it is.
# (`nn.losses.cross_entropy` computes it stably, subtracting the largest score before
# exponentiating.) The engine derives that gradient by itself; let us check it on one point.

# %%
from autograd import Value
import math

scores = [Value(1.0), Value(-0.5), Value(2.0)]
loss = nn.losses.cross_entropy([scores], [0])
loss.backward()
exponentials = [math.exp(s.data) for s in scores]
probabilities = [e / sum(exponentials) for e in exponentials]
for k, s in enumerate(scores):
    expected = probabilities[k] - (1.0 if k == 0 else 0.0)
    print(f'score {k}: engine dL/ds = {s.grad:+.6f}   p_k - [k = true] = {expected:+.6f}')
    assert abs(s.grad - expected) < 1e-12

# %% [markdown]
# Training uses the Adam optimizer (gradient descent with a per-parameter step size that
# adapts to the gradient's recent size) on random mini-batches of 30 points: each step
# looks at a different third of the data, which is cheaper and still heads downhill on
# average.

# %%
X3, y3 = nn.datasets.spirals(n=90, classes=3, seed=0)
spiral_model = nn.MLP(2, [16, 16, 3], seed=0)
spiral_history = nn.fit(spiral_model, X3, y3, loss='cross_entropy', optimizer='adam', lr=0.05,
                        steps=150, batch_size=30)
spiral_history

# %%
nn.plot_history(spiral_history, title='spirals, softmax cross-entropy (mini-batches of 30)')

# %%
nn.plot_decision_boundary(spiral_model, X3, y3, resolution=50, title='three spirals')

# %% [markdown]
# The mini-batch curves are noisy, since each step sees a different batch, but the trend is
# clear. The final line of the history is measured on all the points.
#
# **Next:** notebook 4 writes the same backward pass a whole layer at a time, with matrices.
