"""The convention ledger's claims, checked against scikit-learn, identities and hand computations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import brier_score_loss, mean_squared_error, root_mean_squared_error

import l2course as l2
from l2course import conventions as cv

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def pair(shape_strategy):
    return shape_strategy.flatmap(
        lambda shape: st.tuples(arrays(np.float64, shape, elements=finite), arrays(np.float64, shape, elements=finite))
    )


one_d = st.integers(1, 40).map(lambda n: (n,))
two_d = st.tuples(st.integers(1, 20), st.integers(1, 5))


# --- the two snippets every tutorial shows -------------------------------------------------------------------


def test_numpy_tutorial_snippet():
    actual, predicted = np.array([10, 11, 12, 13]), np.array([10, 12, 14, 11])
    assert l2.l2_loss(actual, predicted, reduction="none").tolist() == [0, 1, 4, 4]
    assert cv.cost(actual, predicted, "mse") == 2.25
    assert mean_squared_error(actual, predicted) == 2.25


def test_framework_tutorial_snippet():
    y, y_hat = [1.0, 2.0, 3.0], [1.1, 1.9, 3.2]
    expected = (0.1**2 + 0.1**2 + 0.2**2) / 3  # = 0.06 / 3
    assert cv.torch_mse_loss(y_hat, y) == pytest.approx(0.02)
    assert cv.torch_mse_loss(y_hat, y) == pytest.approx(expected)
    assert cv.keras_mean_squared_error(y, y_hat) == pytest.approx(0.02)
    assert cv.keras_mean_squared_error(np.reshape(y, (3, 1)), np.reshape(y_hat, (3, 1))) == pytest.approx(0.02)


# --- SSE, MSE, 1/2 SSE, RMSE --------------------------------------------------------------------------------


@given(pair(one_d))
def test_cost_factors_relative_to_mse(yy):
    y, y_hat = yy
    n = y.size
    mse = mean_squared_error(y, y_hat)
    assert cv.cost(y, y_hat, "sse") == pytest.approx(n * mse, rel=1e-9, abs=1e-9)
    assert cv.cost(y, y_hat, "half_sse") == pytest.approx(n / 2 * mse, rel=1e-9, abs=1e-9)
    assert cv.cost(y, y_hat, "half_mse") == pytest.approx(mse / 2, rel=1e-9, abs=1e-9)
    assert cv.cost(y, y_hat, "rmse") == pytest.approx(np.sqrt(mse), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("convention", cv.COSTS)
def test_cost_gradient_matches_finite_differences(convention):
    rng = np.random.default_rng(3)
    y, y_hat = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    numeric = l2.numerical_gradient(lambda p: cv.cost(y, p, convention), y_hat)
    np.testing.assert_allclose(cv.cost_gradient(y, y_hat, convention), numeric, rtol=1e-6, atol=1e-8)


@given(pair(one_d))
def test_gradients_differ_by_constant_factors(yy):
    y, y_hat = yy
    n = y.size
    g_mse = cv.cost_gradient(y, y_hat, "mse")
    np.testing.assert_allclose(cv.cost_gradient(y, y_hat, "sse"), n * g_mse, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cv.cost_gradient(y, y_hat, "half_sse"), n / 2 * g_mse, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cv.cost_gradient(y, y_hat, "half_mse"), g_mse / 2, rtol=1e-12, atol=1e-12)


def test_rmse_gradient_factor_is_not_constant():
    y = np.zeros(3)
    near, far = np.array([0.1, 0.1, 0.1]), np.array([10.0, 10.0, 10.0])
    ratio_near = cv.cost_gradient(y, near, "rmse")[0] / cv.cost_gradient(y, near, "mse")[0]
    ratio_far = cv.cost_gradient(y, far, "rmse")[0] / cv.cost_gradient(y, far, "mse")[0]
    assert ratio_near == pytest.approx(1 / (2 * 0.1)) and ratio_far == pytest.approx(1 / (2 * 10.0))
    assert np.all(cv.cost_gradient(y, y, "rmse") == 0)


@pytest.mark.parametrize("n", [1, 4, 25])
def test_rmse_gradient_near_a_perfect_fit_has_norm_one_over_sqrt_n(n):
    # RMSE(y_hat) = ||y_hat - y|| / sqrt(n) is a cone at y_hat = y: approaching it along any direction
    # the gradient keeps the norm 1/sqrt(n) (not 1), checked against central differences of the cost.
    rng = np.random.default_rng(n)
    y = rng.normal(size=n)
    for direction in rng.normal(size=(5, n)):
        for t in (1e-2, 1e-6):
            y_hat = y + t * direction
            g = cv.cost_gradient(y, y_hat, "rmse")
            assert np.linalg.norm(g) == pytest.approx(1 / np.sqrt(n), rel=1e-9)
            numeric = l2.numerical_gradient(lambda p: cv.cost(y, p, "rmse"), y_hat, h=t * 1e-3)
            np.testing.assert_allclose(g, numeric, rtol=1e-4, atol=1e-6)


def test_unknown_convention_lists_choices():
    with pytest.raises(ValueError, match="'sse', 'mse'"):
        cv.cost([1], [2], "l2")


# --- multi-output and weighted MSE against scikit-learn --------------------------------------------------


@given(pair(two_d), st.sampled_from(["uniform_average", "raw_values"]))
def test_multioutput_mse_matches_sklearn(yy, multioutput):
    y, y_hat = yy
    np.testing.assert_allclose(
        cv.multioutput_mse(y, y_hat, multioutput=multioutput),
        mean_squared_error(y, y_hat, multioutput=multioutput),
        rtol=1e-9, atol=1e-9,
    )
    np.testing.assert_allclose(
        cv.multioutput_rmse(y, y_hat, multioutput=multioutput),
        root_mean_squared_error(y, y_hat, multioutput=multioutput),
        rtol=1e-9, atol=1e-9,
    )


@settings(max_examples=50)
@given(two_d.flatmap(lambda s: st.tuples(
    arrays(np.float64, s, elements=finite), arrays(np.float64, s, elements=finite),
    arrays(np.float64, (s[0],), elements=st.floats(0.1, 10)), arrays(np.float64, (s[1],), elements=st.floats(0.1, 10)),
)))
def test_weighted_multioutput_matches_sklearn(data):
    y, y_hat, w, out_w = data
    # scikit-learn refuses custom output weights when there is a single output
    for multioutput in ("uniform_average", "raw_values") + ((out_w,) if y.shape[1] > 1 else ()):
        np.testing.assert_allclose(
            cv.multioutput_mse(y, y_hat, sample_weight=w, multioutput=multioutput),
            mean_squared_error(y, y_hat, sample_weight=w, multioutput=multioutput),
            rtol=1e-9, atol=1e-9,
        )
        np.testing.assert_allclose(
            cv.multioutput_rmse(y, y_hat, sample_weight=w, multioutput=multioutput),
            root_mean_squared_error(y, y_hat, sample_weight=w, multioutput=multioutput),
            rtol=1e-9, atol=1e-9,
        )


def test_uniform_average_is_the_mean_over_all_elements():
    rng = np.random.default_rng(0)
    y, y_hat = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    assert cv.multioutput_mse(y, y_hat) == pytest.approx(np.mean((y - y_hat) ** 2))
    assert cv.multioutput_mse(y, y_hat) == pytest.approx(l2.mse(y, y_hat))
    # RMSE with uniform_average is the mean of per-column RMSEs: at most sqrt(MSE) (Jensen).
    assert cv.multioutput_rmse(y, y_hat) <= np.sqrt(cv.multioutput_mse(y, y_hat)) + 1e-12


def test_integer_weights_are_repetition():
    y, y_hat = np.array([1.0, 2.0, 5.0]), np.array([0.0, 2.5, 3.0])
    repeated = cv.multioutput_mse(np.repeat(y, [2, 1, 3]), np.repeat(y_hat, [2, 1, 3]))
    assert cv.multioutput_mse(y, y_hat, sample_weight=[2, 1, 3]) == pytest.approx(repeated)


def test_multioutput_rejects_bad_arguments():
    with pytest.raises(ValueError, match="multioutput"):
        cv.multioutput_mse([[1, 2]], [[1, 2]], multioutput="variance_weighted")
    with pytest.raises(ValueError, match="one weight per column"):
        cv.multioutput_mse([[1, 2]], [[1, 2]], multioutput=[1, 2, 3])
    with pytest.raises(ValueError, match="shape"):
        cv.multioutput_mse(np.zeros((5, 1)), np.zeros(5))


# --- documented reductions of the frameworks ---------------------------------------------------------------


@given(pair(two_d))
def test_torch_reductions(yy):
    x, t = yy
    assert cv.torch_mse_loss(x, t) == pytest.approx(mean_squared_error(t, x), rel=1e-9, abs=1e-9)
    assert cv.torch_mse_loss(x, t, "sum") == pytest.approx(x.size * mean_squared_error(t, x), rel=1e-9, abs=1e-6)
    np.testing.assert_array_equal(cv.torch_mse_loss(x, t, "none"), (x - t) ** 2)


def test_torch_refuses_what_pytorch_would_broadcast():
    with pytest.raises(ValueError, match="did you mean"):
        cv.torch_mse_loss(np.zeros((4, 1)), np.zeros(4))


def test_keras_documented_example():
    # keras.losses.MeanSquaredError docs: 0.5 unweighted, 0.25 with sample_weight=[0.7, 0.3], sum 1.0,
    # none [0.5, 0.5].
    y_true, y_pred = [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]
    assert cv.keras_mean_squared_error(y_true, y_pred) == pytest.approx(0.5)
    assert cv.keras_mean_squared_error(y_true, y_pred, sample_weight=[0.7, 0.3]) == pytest.approx(0.25)
    assert cv.keras_mean_squared_error(y_true, y_pred, reduction="sum") == pytest.approx(1.0)
    np.testing.assert_allclose(cv.keras_mean_squared_error(y_true, y_pred, reduction="none"), [0.5, 0.5])


@settings(max_examples=50)
@given(two_d.flatmap(lambda s: st.tuples(
    arrays(np.float64, s, elements=finite), arrays(np.float64, s, elements=finite),
    arrays(np.float64, (s[0],), elements=st.floats(0.1, 10)),
)))
def test_keras_weighted_default_divides_by_batch_size(data):
    y, y_hat, w = data
    n = y.shape[0]
    weighted_mse = mean_squared_error(y, y_hat, sample_weight=w)  # divides by sum(w)
    got = cv.keras_mean_squared_error(y, y_hat, sample_weight=w)
    assert got == pytest.approx(weighted_mse * w.sum() / n, rel=1e-9, abs=1e-9)
    assert cv.keras_mean_squared_error(y, y_hat, sample_weight=w, reduction="mean_with_sample_weight") == (
        pytest.approx(weighted_mse, rel=1e-9, abs=1e-9)
    )
    assert cv.keras_mean_squared_error(y, y_hat, reduction="mean") == pytest.approx(
        mean_squared_error(y, y_hat), rel=1e-9, abs=1e-9
    )


def test_keras_last_axis_first():
    y = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    y_hat = np.array([[3.0, 0.0, 0.0], [0.0, 0.0, 6.0]])
    np.testing.assert_allclose(cv.keras_mean_squared_error(y, y_hat, reduction="none"), [3.0, 12.0])
    with pytest.raises(ValueError, match=r"\(n, 1\)"):
        cv.keras_mean_squared_error([1.0, 2.0], [1.0, 3.0], sample_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="reduction"):
        cv.keras_mean_squared_error(y, y_hat, reduction="auto")


@given(arrays(np.float64, st.integers(1, 30), elements=finite), st.floats(0.0, 5.0))
def test_half_and_no_half(t, lam):
    assert cv.tf_l2_loss(t) == pytest.approx(0.5 * np.linalg.norm(t) ** 2, rel=1e-9, abs=1e-9)
    assert cv.keras_l2_penalty(t, l2=lam) == pytest.approx(lam * np.linalg.norm(t) ** 2, rel=1e-9, abs=1e-9)
    zeros = np.zeros_like(t)
    assert cv.tf_l2_loss(t) == pytest.approx(t.size / 2 * l2.mse(t, zeros), rel=1e-9, abs=1e-9)


# --- one-hot MSE and the Brier score ------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 5])
def test_one_hot_mse_is_brier_over_k(k):
    rng = np.random.default_rng(k)
    n = 40
    labels = np.r_[np.arange(k), rng.integers(0, k, n - k)]
    proba = rng.dirichlet(np.ones(k), size=n)
    brier = brier_score_loss(labels, proba, labels=np.arange(k), scale_by_half=False)
    assert cv.brier_score(labels, proba) == pytest.approx(brier)
    assert cv.one_hot_mse(labels, proba) == pytest.approx(brier / k)
    assert cv.one_hot_mse(labels, proba) == pytest.approx(mean_squared_error(cv.one_hot(labels, k), proba))


def test_binary_one_hot_mse_is_sklearn_default_brier():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 30)
    p1 = rng.uniform(size=30)
    proba = np.column_stack([1 - p1, p1])
    assert cv.one_hot_mse(labels, proba) == pytest.approx(brier_score_loss(labels, p1))


def test_one_hot_rejects_bad_labels():
    with pytest.raises(ValueError, match="integers"):
        cv.one_hot([0, 3], 3)


# --- pitfalls --------------------------------------------------------------------------------------------


def test_broadcasting_pitfall_is_caught():
    y_col, y_hat = np.arange(5.0).reshape(-1, 1), np.arange(5.0)
    assert (y_col - y_hat).shape == (5, 5)  # what plain numpy does
    for f in (l2.mse, cv.multioutput_mse, cv.torch_mse_loss, cv.keras_mean_squared_error):
        with pytest.raises(ValueError, match="same shape"):
            f(y_col, y_hat)


def test_int16_overflow_pitfall_is_caught():
    y, y_hat = np.array([420, 310], dtype=np.int16), np.array([200, 305], dtype=np.int16)
    with np.errstate(over="ignore"):
        wrong = (y - y_hat) ** 2
    assert wrong[0] < 0  # 220**2 = 48400 wraps around in 16 bits
    assert cv.torch_mse_loss(y_hat, y, "none")[0] == 220.0**2
    assert l2.mse(y, y_hat) == pytest.approx((220**2 + 5**2) / 2)


def test_sequential_float32_sum_loses_and_pairwise_hides_it():
    rng = np.random.default_rng(0)
    residual = 0.1 * rng.standard_normal(2_000_000)
    values = (residual * residual).astype(np.float32)
    exact = float(np.sum(values, dtype=np.float64))
    naive = cv.sequential_sum(values, np.float32)
    pairwise = float(np.sum(values))  # float32, pairwise
    assert abs(naive - exact) / exact > 1e-4
    assert abs(pairwise - exact) / exact < 1e-6
    assert cv.sequential_sum(values, np.float64) == pytest.approx(exact, rel=1e-12)


def test_ledger_rows_are_complete():
    assert len(cv.LEDGER) >= 10
    for row in cv.LEDGER:
        assert all(isinstance(field, str) and field for field in row)
    libraries = {row.library for row in cv.LEDGER}
    assert {"NumPy", "scikit-learn", "PyTorch", "Keras", "TensorFlow", "l2course"} <= libraries
