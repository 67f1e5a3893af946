"""Conversion-table rows for deep-learning frameworks, run only where they are installed.

The course environment does not ship PyTorch or Keras; these tests are skipped there (with the
reason shown by ``pytest -rs``). Run them in an environment that has the frameworks, e.g.::

    pip install torch keras        # Keras 3 runs on the PyTorch backend: KERAS_BACKEND=torch
    pytest tests/test_frameworks_regularization.py -rs

Rows checked against the course's ``J = MSE + lam ||w||^2``:

* PyTorch ``SGD(weight_decay=2 lam)`` on ``MSELoss`` = gradient descent on J (and reaches ridge
  with ``alpha = n lam``); ``Adam(weight_decay=2 lam)`` = :func:`l2course.regularization.adam_l2`
  and ``AdamW`` = :func:`l2course.regularization.adamw`, step by step.
* Keras ``regularizers.L2(l2=lam)``: the penalty added to the loss is ``lam ||w||^2`` (no 1/2),
  and training with it reaches ridge with ``alpha = n lam``.
"""

import os

import numpy as np
import pytest

import l2course as l2
from l2course import regularization as reg


def data(n=40, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.3 * rng.normal(size=n)
    return X, y - y.mean()


def torch_run(optimizer_factory, X, y, w0, n_steps):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional framework check)")
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = optimizer_factory(torch, [w])
    path = [w.detach().numpy().copy()]
    for _ in range(n_steps):
        opt.zero_grad()
        loss = torch.nn.MSELoss(reduction="mean")(Xt @ w, yt)
        loss.backward()
        opt.step()
        path.append(w.detach().numpy().copy())
    return np.array(path)


def grad_mse(X, y):
    return lambda w: 2 / len(y) * X.T @ (X @ w - y)


def test_torch_sgd_weight_decay_is_two_lam():
    X, y = data()
    lam, lr = 0.1, 0.05
    path = torch_run(lambda torch, p: torch.optim.SGD(p, lr=lr, weight_decay=2 * lam), X, y,
                     np.zeros(3), 2000)
    ours = reg.sgd(grad_mse(X, y), np.zeros(3), lr=lr, n_steps=2000, lam=lam)
    np.testing.assert_allclose(path, ours, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(path[-1], l2.fit_ridge(X, y, len(y) * lam, fit_intercept=False).w,
                               atol=1e-8)
    # weight_decay = lam (forgetting the 2) solves a different problem
    half = torch_run(lambda torch, p: torch.optim.SGD(p, lr=lr, weight_decay=lam), X, y,
                     np.zeros(3), 2000)
    assert np.abs(half[-1] - path[-1]).max() > 1e-3


def test_torch_adam_weight_decay_is_coupled_l2():
    X, y = data(seed=1)
    lam = 0.1
    path = torch_run(lambda torch, p: torch.optim.Adam(p, lr=0.01, weight_decay=2 * lam), X, y,
                     np.ones(3), 300)
    ours = reg.adam_l2(grad_mse(X, y), np.ones(3), lam=lam, lr=0.01, n_steps=300)
    np.testing.assert_allclose(path, ours, rtol=1e-9, atol=1e-11)


def test_torch_adamw_is_decoupled_decay():
    X, y = data(seed=2)
    path = torch_run(lambda torch, p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.2), X, y,
                     np.ones(3), 300)
    ours = reg.adamw(grad_mse(X, y), np.ones(3), weight_decay=0.2, lr=0.01, n_steps=300)
    np.testing.assert_allclose(path, ours, rtol=1e-9, atol=1e-11)
    coupled = reg.adam_l2(grad_mse(X, y), np.ones(3), lam=0.1, lr=0.01, n_steps=300)
    assert np.abs(coupled[-1] - path[-1]).max() > 1e-3  # Adam + L2 is not AdamW


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras", reason="Keras is not installed (optional framework check)")


def keras_model(keras, lam, d):
    model = keras.Sequential([
        keras.Input(shape=(d,)),
        keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(l2=lam)),
    ])
    return model


def test_keras_l2_penalty_is_lam_norm_squared(keras):
    lam = 0.03
    model = keras_model(keras, lam, 3)
    w = np.array([[0.5], [-1.0], [2.0]], dtype="float32")
    model.layers[0].set_weights([w, np.array([0.7], dtype="float32")])
    penalty = float(sum(keras.ops.convert_to_numpy(p) for p in model.losses))
    assert penalty == pytest.approx(lam * float(np.sum(w**2)), rel=1e-6)  # no 1/2, bias not decayed


def test_keras_l2_training_reaches_ridge_with_alpha_n_lam(keras):
    keras.utils.set_random_seed(0)
    X, y = data(seed=3)
    y = y + 4.0  # an intercept to fit, unpenalized
    lam = 0.05
    model = keras_model(keras, lam, 3)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(X.astype("float32"), y.astype("float32"), batch_size=len(y), epochs=600, verbose=0,
              shuffle=False)
    kernel, bias = model.layers[0].get_weights()
    ridge = l2.fit_ridge(X, y, len(y) * lam)
    np.testing.assert_allclose(kernel.ravel(), ridge.w, atol=1e-4)
    assert float(bias[0]) == pytest.approx(ridge.b, abs=1e-4)
