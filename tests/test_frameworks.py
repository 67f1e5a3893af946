"""The convention ledger against the real PyTorch, Keras and TensorFlow.

These libraries are not in requirements.txt (their wheels are hundreds of megabytes to gigabytes), so each
test skips with a visible reason when its library is not importable. To run them all::

    python3 -m venv /tmp/l2course-frameworks
    /tmp/l2course-frameworks/bin/pip install -r requirements.txt torch==2.13.0 tensorflow-cpu==2.21.0
    /tmp/l2course-frameworks/bin/pip install --no-deps -e .
    /tmp/l2course-frameworks/bin/pytest -p no:cacheprovider -rs tests/test_frameworks.py

(last run in full with PyTorch 2.13.0+cpu, TensorFlow-CPU 2.21.0 and Keras 3.15.1: 24 passed).

Every comparison is against :mod:`l2course.conventions`, whose functions reproduce the libraries'
*documented* behaviour with NumPy; a failure here means a library changed or the ledger is wrong.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from l2course import conventions as cv

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

RNG = np.random.default_rng(20)
Y = RNG.normal(size=(6, 3))  # a 2-D batch: 6 samples, 3 outputs
Y_HAT = Y + RNG.normal(scale=0.5, size=(6, 3))
W = np.array([0.5, 1.0, 2.0, 0.0, 1.5, 3.0])  # sample weights, one per row
SNIPPET_Y, SNIPPET_Y_HAT = [1.0, 2.0, 3.0], [1.1, 1.9, 3.2]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed (see this file's docstring)")


@pytest.fixture(scope="module")
def keras():
    keras = pytest.importorskip("keras", reason="Keras is not installed (see this file's docstring)")
    if int(keras.__version__.split(".")[0]) < 3:
        pytest.skip(f"the ledger describes Keras 3; found Keras {keras.__version__}")
    return keras


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow", reason="TensorFlow is not installed (see this file's docstring)")


# --- PyTorch -------------------------------------------------------------------------------------------------


def test_torch_tutorial_snippet(torch):
    loss = torch.nn.MSELoss()(torch.tensor(SNIPPET_Y_HAT), torch.tensor(SNIPPET_Y))
    assert float(loss) == pytest.approx(0.02, rel=1e-6)
    assert float(loss) == pytest.approx(cv.torch_mse_loss(SNIPPET_Y_HAT, SNIPPET_Y), rel=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_torch_mseloss_reductions(torch, reduction):
    got = torch.nn.MSELoss(reduction=reduction)(torch.tensor(Y_HAT), torch.tensor(Y)).numpy()
    np.testing.assert_allclose(got, cv.torch_mse_loss(Y_HAT, Y, reduction), rtol=1e-12)


def test_torch_mean_is_over_all_elements_not_the_batch(torch):
    got = float(torch.nn.MSELoss()(torch.tensor(Y_HAT), torch.tensor(Y)))
    assert got == pytest.approx(((Y - Y_HAT) ** 2).sum() / Y.size)
    assert got != pytest.approx(((Y - Y_HAT) ** 2).sum() / Y.shape[0])


@pytest.mark.parametrize("convention,reduction", [("mse", "mean"), ("sse", "sum")])
def test_torch_autograd_gradient_matches_the_ledger(torch, convention, reduction):
    pred = torch.tensor(Y_HAT, requires_grad=True)
    torch.nn.MSELoss(reduction=reduction)(pred, torch.tensor(Y)).backward()
    np.testing.assert_allclose(pred.grad.numpy(), cv.cost_gradient(Y, Y_HAT, convention), rtol=1e-12)


def test_torch_broadcasts_n1_against_n_with_a_warning(torch):
    col, flat = Y[:, :1], Y_HAT[:, 0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = float(torch.nn.MSELoss()(torch.tensor(col), torch.tensor(flat)))
    assert any("target size" in str(w.message) for w in caught), "PyTorch warns about the broadcast"
    assert got == pytest.approx(np.mean((col - flat) ** 2))  # the n x n mean, not the MSE
    assert got != pytest.approx(np.mean((col[:, 0] - flat) ** 2))
    with pytest.raises(ValueError, match="same shape"):
        cv.torch_mse_loss(col, flat)


def test_torch_one_hot_mse_is_brier_over_k(torch):
    labels = np.array([0, 2, 1, 2, 0])
    proba = RNG.dirichlet(np.ones(3), size=5)
    target = torch.nn.functional.one_hot(torch.tensor(labels), 3).double()
    got = float(torch.nn.functional.mse_loss(torch.tensor(proba), target))
    assert got == pytest.approx(cv.one_hot_mse(labels, proba))
    assert got == pytest.approx(cv.brier_score(labels, proba) / 3)


# --- Keras ---------------------------------------------------------------------------------------------------


def keras_loss(keras, reduction="sum_over_batch_size", **kwargs):
    loss = keras.losses.MeanSquaredError(reduction=reduction, dtype="float64")
    return lambda y, y_hat, **kw: np.asarray(loss(np.asarray(y), np.asarray(y_hat), **kw, **kwargs))


def test_keras_tutorial_snippet(keras):
    got = float(keras_loss(keras)(SNIPPET_Y, SNIPPET_Y_HAT))
    assert got == pytest.approx(0.02, rel=1e-9)
    col = float(keras_loss(keras)(np.reshape(SNIPPET_Y, (3, 1)), np.reshape(SNIPPET_Y_HAT, (3, 1))))
    assert col == pytest.approx(0.02, rel=1e-9)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum", "none"])
def test_keras_reductions_unweighted(keras, reduction):
    got = keras_loss(keras, reduction)(Y, Y_HAT)
    np.testing.assert_allclose(got, cv.keras_mean_squared_error(Y, Y_HAT, reduction=reduction), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none"])
def test_keras_reductions_weighted(keras, reduction):
    got = keras_loss(keras, reduction)(Y, Y_HAT, sample_weight=W)
    want = cv.keras_mean_squared_error(Y, Y_HAT, sample_weight=W, reduction=reduction)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_keras_default_weighted_divides_by_batch_size_not_weight_sum(keras):
    got = float(keras_loss(keras)(Y, Y_HAT, sample_weight=W))
    per_sample = ((Y - Y_HAT) ** 2).mean(axis=1)
    assert got == pytest.approx((W * per_sample).sum() / len(W))
    assert got != pytest.approx((W * per_sample).sum() / W.sum())


def test_keras_averages_the_last_axis_first(keras):
    got = keras_loss(keras, "none")(Y, Y_HAT)
    np.testing.assert_allclose(got, ((Y - Y_HAT) ** 2).mean(axis=-1), rtol=1e-12)
    one_sample = keras_loss(keras, "none")(Y[:, 0], Y_HAT[:, 0])
    assert np.shape(one_sample) == (), "a 1-D array is one sample"


def test_keras_l2_regularizer_has_no_half(keras):
    w = RNG.normal(size=(4, 2))
    got = float(np.asarray(keras.regularizers.L2(0.3)(keras.ops.convert_to_tensor(w))))
    assert got == pytest.approx(cv.keras_l2_penalty(w, l2=0.3), rel=1e-6)
    assert got == pytest.approx(0.3 * (w**2).sum(), rel=1e-6)


def test_keras_one_hot_mse_is_brier_over_k(keras):
    labels = np.array([1, 0, 3, 3, 2, 1])
    proba = RNG.dirichlet(np.ones(4), size=6)
    got = float(keras_loss(keras)(cv.one_hot(labels, 4), proba))
    assert got == pytest.approx(cv.brier_score(labels, proba) / 4, rel=1e-12)


# --- TensorFlow ----------------------------------------------------------------------------------------------


def test_tf_l2_loss_is_half_the_sum_of_squares(tf):
    r = Y - Y_HAT
    got = float(tf.nn.l2_loss(tf.constant(r)))
    assert got == pytest.approx(cv.tf_l2_loss(r), rel=1e-12)
    assert got == pytest.approx(r.size / 2 * np.mean(r**2), rel=1e-12)
