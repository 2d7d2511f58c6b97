# %% [markdown]
# # Answers to notebook 7, "Build your own micrograd"
#
# One cell per exercise, each starting with the same `# Exercise NAME:` line as in
# `notebooks/src/07_build_your_own_micrograd.py`. `notebooks/build.py` runs the notebook
# with these cells in place of the exercises, so every build checks that they pass.

# %%
# Exercise skeleton: the class, and what a leaf holds
class Value:
    def __init__(self, data, _children=()):
        self.data = data
        self.grad = 0.0
        self._prev = tuple(_children)  # a tuple keeps both edges of a + a, in operand order
        self._backward = lambda: None  # a leaf has nobody to push into

    def __repr__(self):
        return f'Value(data={self.data}, grad={self.grad})'


# %%
# Exercise add: x + y, and 2 + x
def __add__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data + other.data, (self, other))

    def _backward():  # d(out)/d(self) = d(out)/d(other) = 1
        self.grad += out.grad
        other.grad += out.grad
    out._backward = _backward
    return out


def __radd__(self, other):  # other + self
    return self + other


Value.__add__ = __add__
Value.__radd__ = __radd__

# %%
# Exercise mul: x * y, and 2 * x
def __mul__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other))

    def _backward():  # d(out)/d(self) = other, d(out)/d(other) = self
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad
    out._backward = _backward
    return out


def __rmul__(self, other):  # other * self
    return self * other


Value.__mul__ = __mul__
Value.__rmul__ = __rmul__

# %%
# Exercise composed: x ** n, then -x, x - y, 1 - x, x / y and 2 / x from the others
def __pow__(self, n):
    assert isinstance(n, (int, float)), 'only plain-number powers'
    out = Value(self.data ** n, (self,))

    def _backward():  # d/dx x**n = n * x**(n-1)
        self.grad += n * self.data ** (n - 1) * out.grad
    out._backward = _backward
    return out


def __neg__(self):  # -self
    return self * -1


def __sub__(self, other):  # self - other
    return self + (-other)


def __rsub__(self, other):  # other - self
    return other + (-self)


def __truediv__(self, other):  # self / other
    return self * other ** -1


def __rtruediv__(self, other):  # other / self
    return other * self ** -1


Value.__pow__ = __pow__
Value.__neg__, Value.__sub__, Value.__rsub__ = __neg__, __sub__, __rsub__
Value.__truediv__, Value.__rtruediv__ = __truediv__, __rtruediv__

# %%
# Exercise functions: exp, tanh, log, relu, sin, cos
def exp(self):
    out = Value(math.exp(self.data), (self,))

    def _backward():  # d/dx e**x = e**x, already computed
        self.grad += out.data * out.grad
    out._backward = _backward
    return out


def tanh(self):
    out = Value(math.tanh(self.data), (self,))

    def _backward():  # d/dx tanh(x) = 1 - tanh(x)**2
        self.grad += (1 - out.data ** 2) * out.grad
    out._backward = _backward
    return out


def log(self):
    out = Value(math.log(self.data), (self,))

    def _backward():  # d/dx log(x) = 1/x
        self.grad += out.grad / self.data
    out._backward = _backward
    return out


def relu(self):
    out = Value(max(0.0, self.data), (self,))

    def _backward():  # slope 1 where x > 0, else 0
        self.grad += (out.data > 0) * out.grad
    out._backward = _backward
    return out


def sin(self):
    out = Value(math.sin(self.data), (self,))

    def _backward():  # sin' = cos
        self.grad += math.cos(self.data) * out.grad
    out._backward = _backward
    return out


def cos(self):
    out = Value(math.cos(self.data), (self,))

    def _backward():  # cos' = -sin
        self.grad -= math.sin(self.data) * out.grad
    out._backward = _backward
    return out


Value.exp, Value.tanh, Value.log, Value.relu, Value.sin, Value.cos = exp, tanh, log, relu, sin, cos

# %%
# Exercise backward: topological order, reset, seed, then the chain rule node by node
def backward(self):
    order, seen = [], {self}
    stack = [(self, iter(self._prev))]  # each node with the parents it has still to visit
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, iter(parent._prev)))
                break
        else:  # all its parents are in the order: now the node can follow them
            stack.pop()
            order.append(node)
    for node in order:
        if node._prev:
            node.grad = 0.0
    self.grad = 1.0
    for node in reversed(order):
        node._backward()


Value.backward = backward

# %%
# Exercise analytic: the gradient of f by hand, [df/da, df/db, df/dc]
def gradient_by_hand(a, b, c):
    return [
        -3 * a**2 - 0.5 * a**-0.5,  # from -a**3 and -a**0.5
        3 * math.cos(3 * b) + 2.5 * b**1.5,  # from sin(3b) and b**2.5
        1 / c**2,  # from -1/c
    ]


# %%
# Exercise differences: the gradient of f from its values alone, one input at a time
def forward_difference(f, point, h=1e-6):
    slopes = []
    for i in range(len(point)):
        nudged = list(point)
        nudged[i] += h
        slopes.append((f(*nudged) - f(*point)) / h)
    return slopes


def symmetric_difference(f, point, h=1e-6):
    slopes = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        slopes.append((f(*up) - f(*down)) / (2 * h))
    return slopes


# %%
# Exercise fixed_loop: the same training loop, without the bug
def train(steps=40, learning_rate=0.2):
    w, b = Value(0.0), Value(0.0)
    losses = []
    for step in range(steps):
        loss = sum(((w * x + b) - y) ** 2 for x, y in zip(xs, ys)) * (1 / len(xs))
        for parameter in (w, b):
            parameter.grad = 0.0  # the fix: forget the previous step's gradients
        loss.backward()
        for parameter in (w, b):
            parameter.data -= learning_rate * parameter.grad
        losses.append(loss.data)
    return losses
