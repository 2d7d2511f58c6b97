# %% [markdown]
# # 8. Overfitting: the loss on points the network never saw
#
# Training makes the loss small on the training points. That is not the goal: the goal is
# a network that classifies *new* points well. A network with many weights and few points
# can do the first without the second: it bends its decision boundary around each noisy
# point, the training loss keeps falling, and the loss on fresh points from the same
# distribution rises. Only held-out points, which the network never trains on, show it.
#
# `nn.fit(..., validation=(X_test, y_test))` scores the model on held-out points at every
# step, beside the training loss: `history['val_loss']` and `history['val_accuracy']`. The
# held-out loss is the same loss as the training one, without the L2 penalty (it measures
# the predictions, not the weights). (`nn.hold_out(X, y, 0.3, seed=0)` splits one dataset
# into training and held-out parts; `python -m nn train --test-fraction 0.3` does the same
# from the shell.)

# %% [markdown]
# ## Few noisy points, many weights
#
# 20 points of two moons with a lot of noise, and a network with 1,185 weights: 2 inputs,
# two hidden layers of 32, one output. The held-out set is 80 fresh points from the same
# distribution (another seed).

# %%
import nn

noise = 0.3
X_small, y_small = nn.datasets.moons(n=20, noise=noise, seed=1)
test = nn.datasets.moons(n=80, noise=noise, seed=2)


def train(X, y, l2=0.0):
    """A fresh 2-32-32-1 network trained for 150 steps of Adam on (X, y) with the hinge
    loss, scored on `test` at every step."""
    model = nn.MLP(2, [32, 32, 1], init='scaled', seed=0)
    history = nn.fit(model, X, y, loss='hinge', lr=0.02, steps=150, l2=l2, progress=False,
                     validation=test)
    return model, history


def summary(history):
    best = min(range(history.steps), key=history.val_loss.__getitem__)
    return (f'training loss {history.loss[-1]:.3f} | held-out loss {history.val_loss[-1]:.3f} '
            f'(its lowest, {history.val_loss[best]:.3f}, at step {best + 1}) | held-out accuracy '
            f'{100 * history.final_val_accuracy:.0f}%')


overfit_model, overfit = train(X_small, y_small)
print(summary(overfit))

# %%
nn.plot_history(overfit, title='20 noisy points, 1,185 weights, no L2')

# %% [markdown]
# The training loss (solid) falls towards zero: the network fits the 20 points almost
# exactly. The held-out loss (dashed) falls for a while, while the network learns the
# shape of the moons, then rises: what it learns after that is the noise of these 20
# points, which new points do not share. The boundary shows it: it curls around single
# points.

# %%
nn.plot_decision_boundary(overfit_model, X_small, y_small, title='overfit: the boundary around the noise')

# %%
best = min(overfit.val_loss)
assert overfit.loss[-1] < 0.2 * overfit.loss[0]          # the training loss fell ...
assert overfit.val_loss[-1] > 1.15 * best                # ... while the held-out loss rose again

# %% [markdown]
# ## Two fixes: a penalty on the weights, and more data
#
# **L2** adds $\lambda \sum_i w_i^2$ to the loss, so every weight pays for being large.
# Bending the boundary around one point takes large weights; the penalty makes the network
# prefer a smoother boundary that misses a few noisy training points.
#
# **More data** changes what "fitting the noise" means: with 80 points the noise of single
# points averages out, and the same network has far less room to curl around each one.

# %%
l2_model, with_l2 = train(X_small, y_small, l2=0.01)
print('L2 = 0.01:      ', summary(with_l2))
X_more, y_more = nn.datasets.moons(n=80, noise=noise, seed=1)
more_model, more_data = train(X_more, y_more)
print('80 points, no L2:', summary(more_data))

# %%
nn.plot_history(with_l2, title='20 points, L2 = 0.01 (the training loss includes the penalty)')

# %%
nn.plot_history(more_data, title='80 points, no L2')

# %% [markdown]
# The three held-out curves on one plot:

# %%
import matplotlib.pyplot as plt

figure, axes = plt.subplots(figsize=(7, 3.5))
for history, label in ((overfit, '20 points'), (with_l2, '20 points, L2 = 0.01'), (more_data, '80 points')):
    axes.plot(range(1, history.steps + 1), history.val_loss, label=label)
axes.set_xlabel('step')
axes.set_ylabel('held-out loss')
axes.legend()
axes.grid(alpha=0.3)
plt.close(figure)
figure

# %%
for history in (with_l2, more_data):
    assert history.val_loss[-1] < overfit.val_loss[-1]   # both end lower than the overfit run

# %% [markdown]
# Both fixes end with a lower held-out loss than the overfit network. In practice one also
# stops training where the held-out loss is lowest ("early stopping"), picks the L2
# strength that gives the lowest held-out loss, and keeps a *third* set of points, never
# used for any of those choices, to report the final accuracy.
