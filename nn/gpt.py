"""A GPT made of Values: the model of Karpathy's microgpt, one scalar at a time.

A character-level language model of first names. Each name is read as
tokens, the letters a-z (0-25) between two boundary tokens BOS (26):
`encode('ada') == [26, 0, 3, 0, 26]`. At every position the model sees the
tokens so far and scores each possible next token (27 logits); training
lowers the cross-entropy of the true next token, and sampling draws names
one token at a time until it draws BOS again.

The model, per token (no biases anywhere):

    x = wte[token] + wpe[position]             token and position embeddings
    x = rmsnorm(x)
    for each layer:
        x = x + wo @ attention(rmsnorm(x))     causal self-attention, n_head heads
        x = x + fc2 @ relu(fc1 @ rmsnorm(x))   MLP, n_embd -> 4 n_embd -> n_embd
    logits = lm_head @ x

Every weight is an `autograd.Value`, and every piece (`linear`, `rmsnorm`,
`softmax`, `attention`, `cross_entropy`) is a short function of lists of
Values, so a training step is one computation graph (about 53,000
operations for a name of six letters, 7,500 per position), and `backward()`
on its loss is all of backprop.

    >>> model = GPT(vocab_size=27, seed=0)
    >>> model.num_parameters()
    4192
    >>> loss = model.loss(encode('ada'))        # one Value
    >>> loss.backward()                          # d(loss)/d(every weight) in .grad

Nothing in the graph depends on the numbers flowing through it: softmax is
shifted by `autograd.maximum` (a node of the graph), not by a number read
from `.data`, and a token may be given as a one-hot row instead of an int
(the embedding is then the row times the table). That is what lets
`autograd.trace` record one training step per name length and replay it
(see `train`).
"""

import math
import random

from autograd.engine import Value, exp, maximum, no_grad
from autograd.graph import cyclic_gc_paused
from autograd.trace import trace

from .losses import row_cross_entropy
from .module import Module
from .train import progress_bar

LETTERS = 'abcdefghijklmnopqrstuvwxyz'
BOS = len(LETTERS)  # the boundary token that starts and ends every name
VOCAB_SIZE = len(LETTERS) + 1

# microgpt's training settings.
LEARNING_RATE = 0.01  # decays linearly to 0 over the steps
BETAS = (0.85, 0.99)
EPS = 1e-8
INIT_STD = 0.08


# --------------------------------------------------------------------------
# Names as tokens


def encode(name):
    """[BOS, letters as 0-25..., BOS] for a name of the letters a-z."""
    if not isinstance(name, str) or not name or not all(ch in LETTERS for ch in name):
        raise ValueError(f'encode: a name must be a non-empty string of the letters a-z, got {name!r}')
    return [BOS] + [LETTERS.index(ch) for ch in name] + [BOS]


def decode(tokens):
    """The letters of `tokens`, the boundary tokens left out."""
    return ''.join(LETTERS[t] for t in tokens if t != BOS)


def one_hot(token, size=VOCAB_SIZE):
    """[0.0, ..., 1.0 (at `token`), ..., 0.0]: a token as a row of numbers."""
    row = [0.0] * size
    row[token] = 1.0
    return row


# --------------------------------------------------------------------------
# The pieces. Each takes and returns lists of Values (or one Value).


def dot(u, v):
    """u[0] * v[0] + u[1] * v[1] + ...: one chain of additions, no leading 0."""
    products = [a * b for a, b in zip(u, v)]
    return sum(products[1:], products[0])


def linear(x, weights):
    """The matrix-vector product W x: one dot product per row of W."""
    return [dot(row, x) for row in weights]


def rmsnorm(x, eps=1e-5):
    """x / sqrt(mean(x**2) + eps): every vector scaled to a root mean square of about 1."""
    scale = (dot(x, x) / len(x) + eps) ** -0.5
    return [xi * scale for xi in x]


def softmax(logits):
    """exp(l_i - m) / sum_j exp(l_j - m), with m = max(logits).

    Subtracting the largest logit changes nothing mathematically and keeps
    exp from overflowing. m is `autograd.maximum(*logits)`, a node of the
    graph (its gradient goes to the largest logit), so the graph is the same
    whatever the numbers, as a traced program needs.
    """
    top = maximum(*logits)
    exps = [exp(logit - top) for logit in logits]
    total = sum(exps[1:], exps[0])
    return [e / total for e in exps]


# One position's loss, -log softmax(logits)[target], is the function that
# nn.losses.cross_entropy averages over a batch (the target an int or a one-hot row).
cross_entropy = row_cross_entropy


def select(row, token):
    """row[token]; for a one-hot row as the token, the dot product that picks the same entry."""
    return row[token] if isinstance(token, int) else dot(token, row)


def embed(table, token):
    """The table's row for `token`; for a one-hot row, that row times the table."""
    if isinstance(token, int):
        return table[token]
    return [select(column, token) for column in zip(*table)]


def attention(q, keys, values, n_head):
    """Causal self-attention for one position, head by head.

    `q` is this position's query; `keys` and `values` hold one vector per
    position so far, this one included (it cannot see later ones: that is
    what makes it causal). Head h uses the slice h*size:(h+1)*size of each
    vector: its scores are q . k_t / sqrt(size), its output the average of
    the v_t weighted by softmax(scores). The heads' outputs are concatenated.
    """
    size = len(q) // n_head
    scale = math.sqrt(size)
    out = []
    for start in range(0, len(q), size):
        head = slice(start, start + size)
        scores = [dot(q[head], k[head]) / scale for k in keys]
        weights = softmax(scores)
        for i in range(start, start + size):
            out.append(dot(weights, [v[i] for v in values]))
    return out


# --------------------------------------------------------------------------
# The model


def _matrix(rng, rows, columns):
    return [[Value(rng.gauss(0.0, INIT_STD)) for _ in range(columns)] for _ in range(rows)]


def _named(prefix, matrix):
    for i, row in enumerate(matrix):
        for j, w in enumerate(row):
            yield f'{prefix}.{i}.{j}', w


class Attention(Module):
    """Multi-head causal self-attention: queries, keys, values and output, each n_embd x n_embd."""

    def __init__(self, n_embd, n_head, rng):
        self.n_head = n_head
        self.wq, self.wk, self.wv, self.wo = (_matrix(rng, n_embd, n_embd) for _ in range(4))

    def __call__(self, x, keys, values):
        """x's attention output; appends x's key and value to `keys` and `values` (the cache)."""
        keys.append(linear(x, self.wk))
        values.append(linear(x, self.wv))
        return linear(attention(linear(x, self.wq), keys, values, self.n_head), self.wo)

    def named_parameters(self):
        for name in ('wq', 'wk', 'wv', 'wo'):
            yield from _named(name, getattr(self, name))


class FeedForward(Module):
    """fc2 @ relu(fc1 @ x): n_embd -> 4 n_embd -> n_embd."""

    def __init__(self, n_embd, rng):
        self.fc1 = _matrix(rng, 4 * n_embd, n_embd)
        self.fc2 = _matrix(rng, n_embd, 4 * n_embd)

    def __call__(self, x):
        return linear([h.relu() for h in linear(x, self.fc1)], self.fc2)

    def named_parameters(self):
        yield from _named('fc1', self.fc1)
        yield from _named('fc2', self.fc2)


class Block(Module):
    """One transformer layer: attention then MLP, each on the normalized input, each added back."""

    def __init__(self, n_embd, n_head, rng):
        self.attn = Attention(n_embd, n_head, rng)
        self.mlp = FeedForward(n_embd, rng)

    def __call__(self, x, keys, values):
        x = [a + b for a, b in zip(x, self.attn(rmsnorm(x), keys, values))]
        return [a + b for a, b in zip(x, self.mlp(rmsnorm(x)))]

    def named_parameters(self):
        for part in ('attn', 'mlp'):
            for name, p in getattr(self, part).named_parameters():
                yield f'{part}.{name}', p


class GPT(Module):
    """A decoder-only transformer over `vocab_size` tokens, as microgpt's.

    `n_embd` numbers per token, `n_head` attention heads (n_embd must be a
    multiple of it), `n_layer` layers, at most `block_size` positions. The
    weights are drawn from a Gaussian of standard deviation 0.08 by
    `random.Random(seed)`, in the order of `named_parameters()`: `wte.i.j`
    (token i, feature j), `wpe.i.j`, `layers.0.attn.wq.i.j` (and wk, wv,
    wo), `layers.0.mlp.fc1.i.j` (and fc2), `lm_head.i.j`.
    """

    def __init__(self, vocab_size, n_embd=16, n_head=4, n_layer=1, block_size=16, seed=0):
        for what, n in (('vocab_size', vocab_size), ('n_embd', n_embd), ('n_head', n_head),
                        ('n_layer', n_layer), ('block_size', block_size)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f'GPT: {what} must be a positive int, got {n!r}')
        if n_embd % n_head:
            raise ValueError(f'GPT: n_embd ({n_embd}) must be a multiple of n_head ({n_head})')
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f'GPT: seed must be an int or None, got {seed!r}')
        rng = random.Random(seed)
        self.vocab_size, self.n_embd, self.n_head = vocab_size, n_embd, n_head
        self.n_layer, self.block_size = n_layer, block_size
        self.wte = _matrix(rng, vocab_size, n_embd)
        self.wpe = _matrix(rng, block_size, n_embd)
        self.layers = [Block(n_embd, n_head, rng) for _ in range(n_layer)]
        self.lm_head = _matrix(rng, vocab_size, n_embd)
        self._label_parameters()

    def architecture(self):
        """The constructor's arguments but the seed (what a model file records)."""
        return {'vocab_size': self.vocab_size, 'n_embd': self.n_embd, 'n_head': self.n_head,
                'n_layer': self.n_layer, 'block_size': self.block_size}

    def named_parameters(self):
        yield from _named('wte', self.wte)
        yield from _named('wpe', self.wpe)
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f'layers.{i}.{name}', p
        yield from _named('lm_head', self.lm_head)

    def forward_token(self, token, position, cache):
        """The logits for the token after `token` at `position`, given the tokens before it.

        `cache` holds, per layer, the keys and values of the earlier
        positions (start from `self.new_cache()`); this call appends its own,
        so tokens are fed one at a time, in order.
        """
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < self.block_size:
            raise ValueError(f'GPT: position must be an int from 0 to {self.block_size - 1} '
                             f'(block_size {self.block_size}), got {position!r}')
        x = [t + p for t, p in zip(embed(self.wte, token), self.wpe[position])]
        x = rmsnorm(x)
        for layer, (keys, values) in zip(self.layers, cache):
            x = layer(x, keys, values)
        return linear(x, self.lm_head)

    def new_cache(self):
        """Empty keys and values for every layer."""
        return [([], []) for _ in self.layers]

    def __call__(self, tokens):
        """The logits at every position of `tokens` (at most block_size of them)."""
        self._check_length(len(tokens))
        cache = self.new_cache()
        return [self.forward_token(token, position, cache) for position, token in enumerate(tokens)]

    def loss(self, tokens):
        """The mean over positions of cross_entropy(logits, next token).

        `tokens` is a name as `encode` gives it; the first block_size of its
        transitions are used. Tokens are ints, or one-hot rows (as a traced
        program passes them).
        """
        n = min(self.block_size, len(tokens) - 1)
        if n < 1:
            raise ValueError(f'GPT.loss: needs at least 2 tokens, got {len(tokens)}')
        cache = self.new_cache()
        losses = [cross_entropy(self.forward_token(tokens[i], i, cache), tokens[i + 1])
                  for i in range(n)]
        return sum(losses[1:], losses[0]) / n

    def sample(self, count=20, temperature=0.5, seed=0):
        """`count` names made up by the model, each drawn token by token from
        softmax(logits / temperature) until BOS (or block_size tokens).

        A low temperature sharpens the distribution towards likely letters;
        1 samples the model as it is. Needs a model over letters and BOS
        (vocab_size 27). Runs under `no_grad`.
        """
        if self.vocab_size != VOCAB_SIZE:
            raise ValueError(f'GPT.sample: makes names from {VOCAB_SIZE} tokens, '
                             f'this model has vocab_size {self.vocab_size}')
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
                or not 0.0 < temperature < math.inf:
            raise ValueError(f'GPT.sample: temperature must be a number > 0, got {temperature!r}')
        rng = random.Random(seed)
        names = []
        with no_grad():
            for _ in range(count):
                cache, token, letters = self.new_cache(), BOS, []
                for position in range(self.block_size):
                    logits = self.forward_token(token, position, cache)
                    probs = softmax([logit / temperature for logit in logits])
                    token = rng.choices(range(self.vocab_size), weights=[p.data for p in probs])[0]
                    if token == BOS:
                        break
                    letters.append(token)
                names.append(decode(letters))
        return names

    def _check_length(self, n):
        if not 1 <= n <= self.block_size:
            raise ValueError(f'GPT: expected 1 to {self.block_size} tokens (block_size), got {n}')

    def __repr__(self):
        return (f'GPT(vocab_size={self.vocab_size}, n_embd={self.n_embd}, n_head={self.n_head}, '
                f'n_layer={self.n_layer}, block_size={self.block_size})  '
                f'# {self.num_parameters()} parameters')


# --------------------------------------------------------------------------
# Training


def train(model, words, steps=1000, lr=LEARNING_RATE, eager=False, progress=False, callback=None):
    """Train `model` on `words` as microgpt does; returns the loss of every step.

    One step is one name (`words[step % len(words)]`): its loss, the
    gradient, and an Adam update with betas (0.85, 0.99), eps 1e-8 and a
    learning rate decaying linearly from `lr` to 0 over `steps`.

    With `eager=False` (the default) each step
    replays a traced program instead of building the graph again: names of
    the same length share one program (at most block_size of them), which
    `autograd.trace` records the first time it meets that length. Both ways
    compute the same numbers. A program keeps the graph it recorded (for its
    listing and its guard) and its compiled batches: on the names, 10
    programs hold about 150 MB until `train` returns. `callback(step, loss)`
    is called after every step; `progress=True` shows a bar with the loss.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f'train: steps must be a positive int, got {steps!r}')
    token_lists = [encode(word) for word in words]
    if not token_lists:
        raise ValueError('train: no names to learn from')
    step_on = training_step(model, steps, lr=lr, eager=eager)
    bar = progress_bar(steps) if progress else None
    losses = []
    try:
        for step in range(steps):
            loss = step_on(token_lists[step % len(token_lists)])
            losses.append(loss)
            if bar is not None:
                bar.update(1)
                if step % 10 == 0 or step == steps - 1:
                    bar.set_postfix(loss=f'{loss:.4f}')
            if callback is not None:
                callback(step, loss)
    finally:
        if bar is not None:
            bar.close()
    return losses


def training_step(model, steps, lr=LEARNING_RATE, eager=False):
    """`step_on(tokens) -> loss`: one step of microgpt's training on one name.

    Zeroes the gradients, computes the loss and its gradient (replaying a
    traced program unless `eager`), and
    takes an Adam step whose learning rate decays linearly to 0 at `steps`.
    """
    from .optim import Adam, linear_decay

    optimizer = Adam(model.parameters(), lr=linear_decay(lr, 0.0, steps), betas=BETAS, eps=EPS)
    loss_and_gradient = _eager_step(model) if eager else _traced_step(model)

    def step_on(tokens):
        optimizer.zero_grad()
        with cyclic_gc_paused():  # a step's graph has no cycles: reference counts free it
            loss = loss_and_gradient(tokens)
        optimizer.step()
        return loss
    return step_on


def _eager_step(model):
    def loss_and_gradient(tokens):
        loss = model.loss(tokens[:model.block_size + 1])
        loss.backward()
        return loss.data
    return loss_and_gradient


def _traced_step(model):
    """Each name's tokens as one-hot rows, so that the traced program's
    inputs are numbers and its graph is the same for every name of a length."""
    program = None

    def loss_and_gradient(tokens):
        nonlocal program
        rows = [one_hot(token, model.vocab_size) for token in tokens[:model.block_size + 1]]
        if program is None:
            program = trace(model.loss, rows)
        return program(rows)
    return loss_and_gradient


def plot_losses(losses, title='GPT on names'):
    """The loss of every step (thin) and its mean over the last 50 steps, as a matplotlib Figure."""
    from .plot import _pyplot

    if not losses:
        raise ValueError('plot_losses: no losses to plot')
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    steps = range(1, len(losses) + 1)
    ax.plot(steps, losses, color='#4c72b0', alpha=0.3, linewidth=0.8, label='one name')
    window, running, total = 50, [], 0.0
    for i, loss in enumerate(losses):
        total += loss - (losses[i - window] if i >= window else 0.0)
        running.append(total / min(i + 1, window))
    ax.plot(steps, running, color='#c44e52', linewidth=1.5, label=f'mean of the last {window}')
    ax.set_xlabel('step')
    ax.set_ylabel('loss (cross-entropy, nats)')
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig
