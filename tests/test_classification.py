"""Tests of l2course.classification against scipy, scikit-learn, finite differences and identities."""

import warnings

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss

from l2course import classification as clf
from l2course import numerical_gradient

matplotlib.use("Agg")

logits = st.floats(-30, 30, allow_nan=False)
labels01 = st.sampled_from([0.0, 1.0])


# --- sigmoid ---------------------------------------------------------------------------------


def test_sigmoid_matches_scipy_expit_over_a_wide_range():
    z = np.concatenate([np.linspace(-745, 745, 2001), [-1e6, 1e6, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning
        p = clf.sigmoid(z)
    np.testing.assert_allclose(p, expit(z), rtol=1e-13, atol=1e-300)  # expit flushes subnormals


def test_sigmoid_keeps_relative_precision_for_negative_logits():
    # the naive 1 - 1/(1+exp(z)) loses everything here; the exact value is exp(-40)/(1+exp(-40))
    z = -40.0
    assert clf.sigmoid(z) == pytest.approx(np.exp(z) / (1 + np.exp(z)), rel=1e-14)


@given(logits)
def test_sigmoid_symmetry(z):
    assert clf.sigmoid(-z) == pytest.approx(1 - clf.sigmoid(z), abs=1e-15)


def test_sigmoid_scalar_nan_and_shape():
    assert isinstance(clf.sigmoid(0), float) and clf.sigmoid(0) == 0.5
    assert np.isnan(clf.sigmoid(np.nan))
    assert clf.sigmoid(np.zeros((2, 3))).shape == (2, 3)
    with pytest.raises(TypeError, match="z"):
        clf.sigmoid("a")


# --- cross-entropy ----------------------------------------------------------------------------


def test_binary_cross_entropy_matches_sklearn_log_loss():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, size=200)
    z = rng.normal(scale=4, size=200)
    w = rng.uniform(0.1, 3, size=200)
    assert clf.binary_cross_entropy(y, z) == pytest.approx(log_loss(y, expit(z)), rel=1e-12)
    assert clf.binary_cross_entropy(y, z, sample_weight=w) == pytest.approx(
        log_loss(y, expit(z), sample_weight=w), rel=1e-12
    )


@given(labels01, logits)
def test_binary_cross_entropy_equals_the_definition(y, z):
    log_p, log_1mp = -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)  # log sigmoid(z), log(1 - sigmoid(z))
    direct = -(y * log_p + (1 - y) * log_1mp)
    assert clf.binary_cross_entropy([y], [z]) == pytest.approx(direct, rel=1e-12, abs=1e-15)


def test_binary_cross_entropy_is_finite_for_confident_wrong_logits():
    assert clf.binary_cross_entropy([1.0, 0.0], [-1000.0, 1000.0]) == pytest.approx(1000.0)
    assert clf.binary_cross_entropy([1.0], [40.0]) == pytest.approx(np.exp(-40.0), rel=1e-12)


def test_binary_cross_entropy_validates():
    with pytest.raises(ValueError, match="same shape"):
        clf.binary_cross_entropy(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match=r"y must lie in \[0, 1\]"):
        clf.binary_cross_entropy([2.0], [0.0])


# --- gradients with respect to the logit ------------------------------------------------------


@given(labels01, logits)
def test_sigmoid_mse_grad_matches_finite_differences(y, z):
    numeric = numerical_gradient(lambda v: (y - expit(v[0])) ** 2, [z], h=1e-5)[0]
    assert clf.sigmoid_mse_grad([y], [z])[0] == pytest.approx(numeric, abs=1e-8)


@given(labels01, logits)
def test_cross_entropy_grad_matches_finite_differences(y, z):
    numeric = numerical_gradient(lambda v: clf.binary_cross_entropy([y], v), [z], h=1e-5)[0]
    assert clf.cross_entropy_grad([y], [z])[0] == pytest.approx(numeric, abs=1e-8)


def test_squared_error_gradient_vanishes_when_confidently_wrong_but_cross_entropy_does_not():
    z = np.array([-5.0, -10.0, -20.0])
    y = np.ones(3)
    mse_g = np.abs(clf.sigmoid_mse_grad(y, z))
    ce_g = np.abs(clf.cross_entropy_grad(y, z))
    assert np.all(np.diff(mse_g) < 0) and mse_g[-1] < 1e-8
    assert np.all(ce_g > 0.99)


@given(labels01, logits)
def test_second_derivatives_used_by_newton(y, z):
    h = 1e-5
    for loss in ("cross_entropy", "squared"):
        d1 = [clf._per_example(np.array([y]), np.array([v]), loss)[1][0] for v in (z - h, z + h)]
        d2 = clf._per_example(np.array([y]), np.array([z]), loss)[2][0]
        assert d2 == pytest.approx((d1[1] - d1[0]) / (2 * h), abs=1e-7)


@pytest.mark.parametrize("loss", ["cross_entropy", "squared"])
def test_logistic_cost_grad_matches_finite_differences(loss):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 3))
    y = rng.integers(0, 2, size=30)
    theta = rng.normal(size=4)

    def cost(t):
        return clf.logistic_cost(X, y, t[:3], t[3], loss=loss)

    gw, gb = clf.logistic_cost_grad(X, y, theta[:3], theta[3], loss=loss)
    np.testing.assert_allclose(np.append(gw, gb), numerical_gradient(cost, theta), atol=1e-8)


def test_logistic_cost_is_the_mean_of_the_per_example_losses():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(25, 2))
    y = rng.integers(0, 2, size=25)
    w, b = np.array([0.7, -1.2]), 0.3
    p = expit(X @ w + b)
    assert clf.logistic_cost(X, y, w, b, loss="squared") == pytest.approx(np.mean((y - p) ** 2))
    assert clf.logistic_cost(X, y, w, b) == pytest.approx(log_loss(y, p), rel=1e-12)
    with pytest.raises(ValueError, match="loss must be one of"):
        clf.logistic_cost(X, y, w, b, loss="l2")


# --- fitting ---------------------------------------------------------------------------------


def overlapping_data(n=120, d=2, seed=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ np.arange(1.0, d + 1) + 0.5 + rng.normal(scale=1.5, size=n) > 0).astype(float)
    return X, y


@pytest.mark.parametrize("method", ["gd", "newton"])
def test_fit_logistic_cross_entropy_matches_unpenalized_sklearn(method):
    X, y = overlapping_data()
    fit = clf.fit_logistic(X, y, method=method, lr=2.0, max_steps=20_000, tol=1e-10)
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    assert fit.converged
    np.testing.assert_allclose(fit.w, ref.coef_[0], rtol=1e-6)
    assert fit.b == pytest.approx(ref.intercept_[0], rel=1e-6)
    np.testing.assert_allclose(fit.predict_proba(X), ref.predict_proba(X)[:, 1], atol=1e-8)
    np.testing.assert_array_equal(fit.predict(X), ref.predict(X))


def test_newton_needs_far_fewer_steps_than_gradient_descent():
    X, y = overlapping_data()
    gd = clf.fit_logistic(X, y, lr=1.0, max_steps=20_000, tol=1e-8)
    newton = clf.fit_logistic(X, y, method="newton", tol=1e-8)
    assert gd.converged and newton.converged and newton.n_steps < gd.n_steps / 10


@pytest.mark.parametrize("method", ["gd", "newton"])
def test_fit_logistic_squared_error_matches_scipy(method):
    X, y = overlapping_data(seed=5)

    def cost(t):  # written out independently of the module
        return np.mean((y - expit(X @ t[:2] + t[2])) ** 2)

    ref = minimize(cost, np.zeros(3), method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000})
    fit = clf.fit_logistic(X, y, loss="squared", method=method, lr=4.0, max_steps=50_000, tol=1e-9)
    assert fit.converged
    np.testing.assert_allclose(np.append(fit.w, fit.b), ref.x, atol=1e-5)


def test_newton_on_squared_error_survives_a_non_convex_start():
    # far from the optimum with the wrong sign: the Hessian of the squared error is indefinite there
    X, y = overlapping_data(seed=6)
    start = np.array([-6.0, -6.0])
    A = np.column_stack([X, np.ones(len(y))])
    h = clf._per_example(y, X @ start, "squared")[2]
    assert np.linalg.eigvalsh((A.T * h) @ A / len(y))[0] < 0
    fit = clf.fit_logistic(X, y, loss="squared", method="newton", w0=start, max_steps=500, tol=1e-9)
    assert np.all(np.diff(fit.costs) <= 1e-15), "every Newton step must decrease the cost"
    assert fit.costs[-1] < fit.costs[0]


def test_fit_logistic_costs_and_fixed_intercept():
    X, y = overlapping_data()
    fit = clf.fit_logistic(X, y, lr=1.0, max_steps=50, tol=0.0)
    assert fit.n_steps == 50 and not fit.converged and fit.costs.shape == (51,)
    assert fit.costs[-1] == pytest.approx(clf.logistic_cost(X, y, fit.w, fit.b))
    fixed = clf.fit_logistic(X, y, fit_intercept=False, b0=0.25, max_steps=10)
    assert fixed.b == 0.25
    gw, _ = clf.logistic_cost_grad(X, y, fixed.w, 0.25)
    assert fixed.costs[-1] == pytest.approx(clf.logistic_cost(X, y, fixed.w, 0.25))
    assert np.all(np.isfinite(gw))


def test_fit_logistic_validates():
    X, y = overlapping_data()
    with pytest.raises(ValueError, match="method must be one of"):
        clf.fit_logistic(X, y, method="lbfgs")
    with pytest.raises(ValueError, match="lr"):
        clf.fit_logistic(X, y, lr=0)
    with pytest.raises(ValueError, match="w0 has shape"):
        clf.fit_logistic(X, y, w0=[0.0])
    with pytest.raises(ValueError, match="X must be 2-D"):
        clf.fit_logistic(X[:, 0], y)


# --- Brier score -----------------------------------------------------------------------------


def test_binary_brier_score_matches_sklearn_and_its_scale_by_half():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, size=100)
    p = rng.uniform(size=100)
    w = rng.uniform(0.5, 2, size=100)
    ours = clf.brier_score(y, p)
    assert ours == pytest.approx(np.mean((y - p) ** 2))
    assert ours == pytest.approx(brier_score_loss(y, p))
    assert ours == pytest.approx(brier_score_loss(y, p, scale_by_half=True))
    assert 2 * ours == pytest.approx(brier_score_loss(y, p, scale_by_half=False))
    assert clf.brier_score(y, p, sample_weight=w) == pytest.approx(brier_score_loss(y, p, sample_weight=w))
    two_columns = np.column_stack([1 - p, p])
    assert clf.brier_score(y, two_columns) == pytest.approx(2 * ours)


def test_multiclass_brier_score_matches_sklearn():
    rng = np.random.default_rng(8)
    P = rng.dirichlet(np.ones(4), size=60)
    y = rng.integers(0, 4, size=60)
    y[:4] = np.arange(4)  # every class present, so scikit-learn infers all four labels
    ours = clf.brier_score(y, P)
    assert ours == pytest.approx(brier_score_loss(y, P))  # "auto": no halving for K > 2
    assert ours == pytest.approx(2 * brier_score_loss(y, P, scale_by_half=True))
    assert clf.brier_score(np.eye(4)[y], P) == pytest.approx(ours)  # one-hot labels
    one_hot_mse = np.mean((np.eye(4)[y] - P) ** 2)  # the frameworks' MSE over all elements
    assert one_hot_mse == pytest.approx(ours / 4)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 1.0))
def test_brier_score_is_strictly_proper(p_true):
    # expected score of reporting q when the outcome is 1 with probability p_true: weights p, 1 - p
    q = np.linspace(0, 1, 201)
    expected = np.array([clf.brier_score([1.0, 0.0], [qi, qi], sample_weight=[p_true, 1 - p_true]) for qi in q])
    assert abs(q[np.argmin(expected)] - p_true) <= 0.0025 + 1e-12
    # the excess over reporting the truth is exactly (q - p)^2: zero only at q = p
    truth = p_true * (1 - p_true) ** 2 + (1 - p_true) * p_true**2
    np.testing.assert_allclose(expected - truth, (q - p_true) ** 2, atol=1e-12)


def test_brier_score_validates():
    with pytest.raises(ValueError, match=r"proba must lie in \[0, 1\]"):
        clf.brier_score([0, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match="integer labels"):
        clf.brier_score([0, 3], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match="same shape"):
        clf.brier_score(np.zeros((3, 1)), np.zeros(3))


# --- reliability decomposition ---------------------------------------------------------------


@given(
    hnp.arrays(np.float64, st.integers(1, 80), elements=st.floats(0, 1)),
    st.integers(1, 20),
    st.integers(0, 2**32 - 1),
)
def test_five_term_identity_is_exact_and_the_gap_is_bounded(p, m, seed):
    y = (np.random.default_rng(seed).uniform(size=p.size) < p).astype(float)
    d = clf.reliability_decomposition(y, p, n_bins=m)
    five = d.reliability - d.resolution + d.uncertainty + d.within_bin_variance - 2 * d.within_bin_covariance
    assert d.brier == pytest.approx(np.mean((y - p) ** 2), abs=1e-15)
    assert five == pytest.approx(d.brier, abs=1e-12)
    assert abs(d.gap) <= d.gap_bound + 1e-12
    assert d.gap_bound <= 1 / (4 * m**2) + 1 / (2 * m) + 1e-12
    assert d.counts.sum() == p.size


def test_three_term_form_is_exact_when_forecasts_are_constant_per_bin():
    rng = np.random.default_rng(9)
    p = rng.choice([0.05, 0.35, 0.65, 0.95], size=500)
    y = (rng.uniform(size=500) < p).astype(float)
    d = clf.reliability_decomposition(y, p, n_bins=10)
    assert d.within_bin_variance < 1e-25 and abs(d.gap) < 1e-14


def test_bins_match_sklearn_calibration_curve():
    rng = np.random.default_rng(10)
    p = rng.uniform(size=400)
    y = (rng.uniform(size=400) < p**1.5).astype(float)
    d = clf.reliability_decomposition(y, p, n_bins=8)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=8, strategy="uniform")
    full = d.counts > 0
    np.testing.assert_allclose(d.frequency[full], prob_true)
    np.testing.assert_allclose(d.mean_proba[full], prob_pred)


def test_reliability_decomposition_validates():
    with pytest.raises(ValueError, match="0/1 outcomes"):
        clf.reliability_decomposition([0.5, 1.0], [0.2, 0.3])
    with pytest.raises(ValueError, match="n_bins"):
        clf.reliability_decomposition([0, 1], [0.2, 0.3], n_bins=0)


# --- data and plots --------------------------------------------------------------------------


def test_make_blobs_2d_is_reproducible_and_places_the_far_points():
    X1, y1 = clf.make_blobs_2d(30, n_far=10, seed=3)
    X2, y2 = clf.make_blobs_2d(30, n_far=10, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert X1.shape == (70, 2) and y1[-10:].sum() == 10 and y1[:30].sum() == 0
    assert np.linalg.norm(X1[-10:].mean(axis=0) - [7, 7]) < 0.5


def test_plots_return_axes_with_the_drawn_lines():
    import matplotlib.pyplot as plt

    X, y = clf.make_blobs_2d(10, n_far=2)
    ax = clf.plot_boundaries(X, y, {"a": ([1.0, 1.0], 0.0), "b": ([1.0, 0.0], 0.5)},
                             highlight=np.arange(22) >= 20)
    assert len(ax.get_lines()) == 2
    plt.close(ax.figure)
    z = np.linspace(-5, 5, 11)
    ax = clf.plot_logit_gradients(z, {"squared": clf.sigmoid_mse_grad(np.ones(11), z),
                                      "cross-entropy": clf.cross_entropy_grad(np.ones(11), z)})
    assert len(ax.get_lines()) == 3
    plt.close(ax.figure)
