# %% [markdown]
# # 6. A GPT made of Values
#
# In February 2026 Andrej Karpathy published *microgpt*: a GPT trained and sampled in about
# 200 lines of plain Python, on a scalar `Value` like the one of notebook 1. This notebook
# builds the same model with this project's engine, piece by piece, trains it to make up
# first names, and measures where the time goes.
#
# Nothing new is needed from the engine. A transformer is a big expression made of `+`,
# `*`, `exp`, `log`, `relu`, `**` and one `max`; the forward pass builds its graph, and
# `backward()` on the loss is all of backprop, exactly as for the MLP of notebook 3. What
# changes is the size: one training step is a graph of some 50,000 nodes.

# %% [markdown]
# ## The data: first names as tokens
#
# `nn.datasets.names()` returns the 5,163 first names of the 1990 US Census (public
# domain; the file ships inside the package, see `nn/data/NAMES_SOURCE.md`), shuffled by a
# seed. The model reads characters: the 26 letters are tokens 0-25, and one more token,
# BOS (26), marks both ends of a name. The model's task at every position: given the
# tokens so far, score each of the 27 possible next tokens.

# %%
import math
import time

import autograd
import nn
from autograd import Value, draw_dot
from nn import gpt

names = nn.datasets.names(seed=0)
print(len(names), 'names, e.g.', ', '.join(names[:8]))
print('emma ->', gpt.encode('emma'), '   (BOS =', gpt.BOS, ')')

# %% [markdown]
# ## The pieces
#
# Every piece is a short function of lists of `Value`s. A matrix is a list of rows, and
# `linear` is one dot product per row:

# %%
import inspect

for piece in (gpt.dot, gpt.linear, gpt.rmsnorm):
    print(inspect.getsource(piece))

# %% [markdown]
# **Softmax** turns scores into probabilities: $p_i = e^{l_i - m} / \sum_j e^{l_j - m}$.
# Subtracting the largest score $m$ changes nothing mathematically and keeps `exp` from
# overflowing. microgpt reads $m$ from the numbers (`max(v.data for v in logits)`), a
# constant as far as the graph knows. Here $m$ is `autograd.maximum(*logits)`, a node of
# the graph that passes its gradient to the largest score. The gradient is the same either
# way (the shift cancels), but now the graph has the same shape whatever the numbers are,
# which is what lets a step be recorded once and replayed (section 5).

# %%
print(inspect.getsource(gpt.softmax))
logits = [Value(1000.0), Value(999.0), Value(-5.0)]   # exp(1000) alone would overflow
print([round(p.data, 6) for p in gpt.softmax(logits)])

# %% [markdown]
# **Attention** is where the tokens talk to each other. At each position the model makes a
# query $q$, a key $k$ and a value $v$ from the current token's vector. Each head compares
# its slice of the query with the keys of every position so far (the scores
# $q \cdot k_t / \sqrt{\text{head size}}$), turns the scores into weights with softmax, and
# returns the weighted average of the values. A position never sees later ones: it only
# has their keys once they exist. That is the whole of "causal self-attention".

# %%
print(inspect.getsource(gpt.attention))

# %% [markdown]
# ## One attention head, drawn
#
# Two tokens, a head of size 2: the second token's query against both keys, a softmax over
# the two scores, and the weighted sum of the two values. The drawing shows the first
# number of the head's output after `backward()`: every gradient is d(that number)/d(node).
# Follow the `max` node: it passes gradient only to the larger score.

# %%
def vector(name, numbers):
    return [Value(x, label=f'{name}{i}') for i, x in enumerate(numbers)]

q = vector('q', [0.9, -0.4])
keys = [vector('k0_', [0.5, 0.1]), vector('k1_', [-0.3, 0.8])]
values = [vector('v0_', [1.0, -1.0]), vector('v1_', [0.2, 0.6])]
head = gpt.attention(q, keys, values, n_head=1)
head[0].label = 'out0'
head[0].backward()
draw_dot(head[0])

# %% [markdown]
# `explain` (notebook 2) lists the paths from `q0` to `out0`, each with the product of its
# local derivatives; they add up to `q0.grad`. The paths through `max` add up to zero:
# moving every score by the same amount leaves softmax unchanged, so the shift carries no
# gradient, exactly as the maths says. That is why shifting inside the graph is safe.

# %%
explanation = autograd.explain(head[0], q[0])
through_max = sum(path.product for path in explanation if any(node._op == 'max' for node in path.nodes))
print(f'{len(explanation)} paths, total {explanation.total:.6f} = q0.grad {q[0].grad:.6f}; '
      f'the paths through max add up to {through_max:.1e}')

# %% [markdown]
# ## The model
#
# `nn.GPT` puts the pieces together, as microgpt does: a token embedding plus a position
# embedding, RMSNorm, one transformer layer (attention, then a 16 → 64 → 16 MLP with ReLU,
# each added back to its input), and a final linear map to 27 logits. No biases. The
# weights start Gaussian with standard deviation 0.08, and every one has a name.

# %%
model = nn.GPT(vocab_size=gpt.VOCAB_SIZE, seed=0)
print(model)
for name, p in list(model.named_parameters())[::700]:
    print(f'  {name:24s} {p.data:+.4f}')

# %% [markdown]
# The loss of a name is the mean, over its positions, of $-\log p(\text{next token})$. An
# untrained model spreads its bets evenly, so the loss starts near
# $\log 27 \approx 3.30$: one guess in 27.

# %%
loss = model.loss(gpt.encode('emma'))
loss.backward()
nodes = len(autograd.graph.topo_order(loss))
print(f'loss {loss.data:.4f} (log 27 = {math.log(27):.4f}), graph of {nodes:,} nodes')
print('d(loss)/d(wte.4.0) =', model.wte[4][0].grad)

# %% [markdown]
# ## Training
#
# microgpt's recipe: one name per step, Adam with learning rate 0.01 decaying linearly to
# 0, betas (0.85, 0.99). `gpt.train` replays a traced program per name length when the
# engine has `autograd.trace` (it does, unless this notebook runs on an older engine), and
# builds every graph anew otherwise; the numbers are the same. A few hundred steps already
# teach the model which letters go together; the command `python -m nn gpt` runs the full
# 1,000.

# %%
model = nn.GPT(vocab_size=gpt.VOCAB_SIZE, seed=0)
steps = 300
started = time.perf_counter()
losses = gpt.train(model, names, steps=steps)
seconds = time.perf_counter() - started
print(f'traced: {steps} steps in {seconds:.1f} s')
print(f'mean loss: first 50 steps {sum(losses[:50]) / 50:.3f}, last 50 steps {sum(losses[-50:]) / 50:.3f}')
gpt.plot_losses(losses, title=f'GPT on names: {steps} steps')

# %% [markdown]
# ## Making up names
#
# Sampling feeds the model its own output: start from BOS, turn the logits into
# probabilities (divided by a temperature first: below 1 it favours likely letters), draw
# a token, feed it back, until the model draws BOS again.

# %%
print(', '.join(model.sample(count=15, temperature=0.5, seed=1)))

# %% [markdown]
# ## Where the time goes
#
# An eager step does three things: the forward pass builds the graph (one Python object
# per node), `backward()` sorts it and runs one rule per node, and the graph is freed.
# A traced program (see `autograd.trace`) records the graph of one step once, as a flat
# list of operations, and then only replays the arithmetic: no nodes to make, sort or free.
# Names of one length share a program, so a data set of names of 2 to 11 letters needs 10.

# %%
import gc
import statistics

tokens = gpt.encode('william')
model = nn.GPT(vocab_size=gpt.VOCAB_SIZE, seed=0)

def eager_parts():
    gc.disable()  # as in training: the graph has no cycles, reference counts free it
    try:
        start = time.perf_counter()
        loss = model.loss(tokens)
        built = time.perf_counter()
        loss.backward()
        done = time.perf_counter()
        del loss
        freed = time.perf_counter()
    finally:
        gc.enable()
    return built - start, done - built, freed - done

forward, backward, free = (statistics.median(parts) for parts in zip(*[eager_parts() for _ in range(5)]))
nodes = len(autograd.graph.topo_order(model.loss(tokens)))
print(f'"william", {nodes:,} nodes: forward {1e3 * forward:.0f} ms, backward {1e3 * backward:.0f} ms, '
      f'freeing {1e3 * free:.0f} ms -> {1e9 * (forward + backward + free) / nodes:.0f} ns per node')

step_on = gpt.training_step(model, steps=1000)
started = time.perf_counter()
step_on(tokens)  # the first call of a length traces it
tracing = time.perf_counter() - started
replays = []
for _ in range(5):
    started = time.perf_counter()
    step_on(tokens)
    replays.append(time.perf_counter() - started)
replay = statistics.median(replays)
print(f'traced: first step (tracing) {1e3 * tracing:.0f} ms, then {1e3 * replay:.1f} ms per step '
      f'({(forward + backward + free) / replay:.1f}x the eager step)')

# %% [markdown]
# The benchmark (`python benchmarks/gpt.py`) runs microgpt's own model code on an engine
# built like microgpt's and on this one, and `nn.GPT` traced, interleaved, from the same
# weights; the README has its figures.
