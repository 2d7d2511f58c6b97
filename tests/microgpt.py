"""microgpt's engine and model, rewritten from their description, as an oracle.

Karpathy's microgpt (2026) trains a GPT on names with a micrograd-style
scalar `Value`. This module rebuilds that setting from its description, so
that tests and the benchmark can run "code written for microgpt" on two
engines:

* `ReferenceValue`, an engine built the way microgpt's is: each node stores
  its children and the local derivatives d(node)/d(child), computed during
  the forward pass; numbers are wrapped as leaf nodes; `backward()` sorts
  the graph with a recursive depth-first search and applies the chain rule.
* the model code, written against that engine's interface only (`+ - * /`,
  `**` with a number exponent, `exp()`, `log()`, `relu()`, `sum()` of
  Values, and softmax shifted by `max(v.data ...)`), so the same functions
  run on `ReferenceValue` and on `autograd.Value` unchanged.

Used by tests/test_gpt.py (losses and gradients agree) and by
benchmarks/gpt.py (which engine is faster on the same model code).
"""

import math
import random
import sys


class ReferenceValue:
    """A scalar node that records its children and local derivatives as it is made."""

    __slots__ = ('data', 'grad', '_children', '_local_grads')

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, ReferenceValue) else ReferenceValue(other)
        return ReferenceValue(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, ReferenceValue) else ReferenceValue(other)
        return ReferenceValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, exponent):  # a number exponent only
        return ReferenceValue(self.data**exponent, (self,), (exponent * self.data ** (exponent - 1),))

    def log(self):
        return ReferenceValue(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        out = math.exp(self.data)
        return ReferenceValue(out, (self,), (out,))

    def relu(self):
        return ReferenceValue(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        order, visited = [], set()

        def visit(node):  # recursive, as microgpt's
            if node not in visited:
                visited.add(node)
                for child in node._children:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad


# The recursive sort goes as deep as the longest path in a step's graph.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))


# --------------------------------------------------------------------------
# The model, in microgpt's style: a dict of weight matrices and plain functions.

N_EMBD, N_HEAD, N_LAYER, BLOCK_SIZE = 16, 4, 1, 16
HEAD_SIZE = N_EMBD // N_HEAD


def matrix_names(vocab_size):
    """(name, rows, columns) of every weight matrix, in nn.GPT's parameter order."""
    shapes = [('wte', vocab_size, N_EMBD), ('wpe', BLOCK_SIZE, N_EMBD)]
    for i in range(N_LAYER):
        shapes += [(f'layers.{i}.attn.{name}', N_EMBD, N_EMBD) for name in ('wq', 'wk', 'wv', 'wo')]
        shapes += [(f'layers.{i}.mlp.fc1', 4 * N_EMBD, N_EMBD), (f'layers.{i}.mlp.fc2', N_EMBD, 4 * N_EMBD)]
    return shapes + [('lm_head', vocab_size, N_EMBD)]


def random_weights(vocab_size, seed, std=0.08):
    """{matrix name: rows of floats}, Gaussian, the same for every engine."""
    rng = random.Random(seed)
    return {name: [[rng.gauss(0.0, std) for _ in range(columns)] for _ in range(rows)]
            for name, rows, columns in matrix_names(vocab_size)}


def make_state(weights, value_class):
    """The weights as matrices of `value_class` leaves."""
    return {name: [[value_class(w) for w in row] for row in rows] for name, rows in weights.items()}


def parameters(state):
    return [p for rows in state.values() for row in rows for p in row]


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(logits):
    max_val = max(val.data for val in logits)
    exps = [(val - max_val).exp() for val in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def gpt(state, token_id, pos_id, keys, values):
    """The logits after `token_id` at `pos_id`; appends to the per-layer keys and values."""
    x = [t + p for t, p in zip(state['wte'][token_id], state['wpe'][pos_id])]
    x = rmsnorm(x)
    for li in range(N_LAYER):
        layer = f'layers.{li}.'
        x_residual = x
        x = rmsnorm(x)
        q = linear(x, state[layer + 'attn.wq'])
        k = linear(x, state[layer + 'attn.wk'])
        v = linear(x, state[layer + 'attn.wv'])
        keys[li].append(k)
        values[li].append(v)
        x_attn = []
        for h in range(N_HEAD):
            hs = h * HEAD_SIZE
            q_h = q[hs:hs + HEAD_SIZE]
            k_h = [ki[hs:hs + HEAD_SIZE] for ki in keys[li]]
            v_h = [vi[hs:hs + HEAD_SIZE] for vi in values[li]]
            attn_logits = [sum(q_h[j] * k_h[t][j] for j in range(HEAD_SIZE)) / HEAD_SIZE**0.5
                           for t in range(len(k_h))]
            attn_weights = softmax(attn_logits)
            x_attn.extend(sum(attn_weights[t] * v_h[t][j] for t in range(len(v_h)))
                          for j in range(HEAD_SIZE))
        x = linear(x_attn, state[layer + 'attn.wo'])
        x = [a + b for a, b in zip(x, x_residual)]
        x_residual = x
        x = rmsnorm(x)
        x = linear(x, state[layer + 'mlp.fc1'])
        x = [xi.relu() for xi in x]
        x = linear(x, state[layer + 'mlp.fc2'])
        x = [a + b for a, b in zip(x, x_residual)]
    return linear(x, state['lm_head'])


def loss_of(state, tokens):
    """Mean over positions of -log(probability of the next token)."""
    n = min(BLOCK_SIZE, len(tokens) - 1)
    keys, values = [[] for _ in range(N_LAYER)], [[] for _ in range(N_LAYER)]
    losses = []
    for pos_id in range(n):
        probs = softmax(gpt(state, tokens[pos_id], pos_id, keys, values))
        losses.append(-probs[tokens[pos_id + 1]].log())
    return (1 / n) * sum(losses)


class Adam:
    """microgpt's optimizer: Adam with bias correction and a learning rate
    decaying linearly to 0 over `steps`."""

    def __init__(self, params, steps, lr=0.01, beta1=0.85, beta2=0.99, eps=1e-8):
        self.params, self.steps = params, steps
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = [0.0] * len(params)
        self.v = [0.0] * len(params)
        self.t = 0

    def step(self):
        lr = self.lr * (1 - self.t / self.steps)
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for i, p in enumerate(self.params):
            self.m[i] = b1 * self.m[i] + (1 - b1) * p.grad
            self.v[i] = b2 * self.v[i] + (1 - b2) * p.grad**2
            m_hat = self.m[i] / (1 - b1**self.t)
            v_hat = self.v[i] / (1 - b2**self.t)
            p.data -= lr * m_hat / (v_hat**0.5 + self.eps)
            p.grad = 0


def train_step(state, params, optimizer, tokens):
    """Forward, backward and update on one name; returns the loss."""
    loss = loss_of(state, tokens)
    loss.backward()
    optimizer.step()
    return loss.data
