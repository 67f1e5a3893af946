"""Tests of l2course.descent: the stability bound, GD and SGD on the squared error, finite differences."""

import matplotlib

matplotlib.use("Agg")

import hypothesis.strategies as st  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402

import l2course as l2  # noqa: E402
from l2course import descent  # noqa: E402


def problem(seed, n=40, d=3, scale=None):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if scale is not None:
        X = X * scale
    y = X @ rng.normal(size=d) + 0.5 + 0.3 * rng.normal(size=n)
    return X, y


# ------------------------------------------------------------------------------------ stability bound


@pytest.mark.parametrize("convention, factor", [("mse", None), ("half_sse", 1.0), ("sse", 2.0)])
def test_hessian_is_finite_difference_of_the_gradient(convention, factor):
    """H = d(grad)/d(theta), with the gradient of cost = c SSE computed independently."""
    X, y = problem(1)
    n = X.shape[0]
    c = {"mse": 1.0 / n, "half_sse": 0.5, "sse": 1.0}[convention]
    A = np.column_stack([X, np.ones(n)])

    def cost(theta):
        r = y - A @ theta
        return c * (r @ r)

    theta = np.random.default_rng(2).normal(size=4)
    H_num = np.array(
        [l2.numerical_gradient(lambda t, i=i: l2.numerical_gradient(cost, t, h=1e-4)[i], theta, h=1e-4)
         for i in range(4)]
    )
    H = descent.cost_hessian(X, convention=convention, fit_intercept=True)
    np.testing.assert_allclose(H, H_num, rtol=1e-5, atol=1e-6)
    assert np.all(np.linalg.eigvalsh(H) >= -1e-12), "the Hessian is positive semi-definite"


def test_bound_is_two_over_largest_eigenvalue_via_svd():
    """lam_max((2/n) X^T X) = (2/n) s_1^2 with s_1 the largest singular value of X."""
    X, _ = problem(3, n=25, d=4)
    s1 = np.linalg.svd(X, compute_uv=False)[0]
    assert descent.max_stable_lr(X) == pytest.approx(2 / (2 / 25 * s1**2), rel=1e-12)
    assert descent.max_stable_lr(X, convention="half_sse") == pytest.approx(2 / s1**2, rel=1e-12)
    assert descent.max_stable_lr(X, convention="sse") == pytest.approx(1 / s1**2, rel=1e-12)


@given(st.integers(0, 10_000), st.integers(2, 60), st.integers(1, 5))
@settings(max_examples=30, deadline=None)
def test_bounds_of_the_conventions_are_in_ratio_n_over_2(seed, n, d):
    X = np.random.default_rng(seed).normal(size=(n, d))
    mse_bound = descent.max_stable_lr(X)
    assert descent.max_stable_lr(X, convention="half_sse") == pytest.approx(mse_bound * 2 / n, rel=1e-10)
    assert descent.max_stable_lr(X, convention="sse") == pytest.approx(mse_bound / n, rel=1e-10)
    # an extra column (the intercept) can only raise lam_max (eigenvalue interlacing)
    assert descent.max_stable_lr(X, fit_intercept=True) <= mse_bound * (1 + 1e-12)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("convention", ["mse", "half_sse", "sse"])
def test_gd_below_the_bound_reaches_least_squares(seed, convention):
    X, y = problem(seed)
    bound = descent.max_stable_lr(X, convention=convention, fit_intercept=True)
    path = descent.linear_gd(X, y, lr=0.9 * bound, n_steps=20_000, convention=convention, tol=1e-12)
    reference = LinearRegression().fit(X, y)
    model = l2.fit_least_squares(X, y)
    np.testing.assert_allclose(model.w, reference.coef_, atol=1e-10)
    np.testing.assert_allclose(path[-1][:-1], model.w, atol=1e-6)
    assert path[-1][-1] == pytest.approx(model.b, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_gd_above_the_bound_diverges(seed):
    X, y = problem(seed)
    bound = descent.max_stable_lr(X, fit_intercept=True)
    path = descent.linear_gd(X, y, lr=1.1 * bound, n_steps=3000)
    w_star = l2.fit_least_squares(X, y)
    start = np.linalg.norm(np.append(w_star.w, w_star.b))
    last = path[-1]
    assert (not np.all(np.isfinite(last))) or np.abs(last).max() > 1e6 * start


def test_exactly_at_the_bound_the_top_mode_neither_grows_nor_shrinks():
    """At lr = 2/lam_max the error along the top eigenvector flips sign with |factor| = 1."""
    X, y = problem(7, d=2)
    H = descent.cost_hessian(X, fit_intercept=True)
    lam, V = np.linalg.eigh(H)
    model = l2.fit_least_squares(X, y)
    theta_star = np.append(model.w, model.b)
    theta0 = theta_star + V[:, -1]  # error purely along the top eigenvector
    path = descent.linear_gd(X, y, lr=2 / lam[-1], n_steps=6, theta0=theta0)
    coords = (path - theta_star) @ V[:, -1]
    np.testing.assert_allclose(coords, [1, -1, 1, -1, 1, -1, 1], atol=1e-6)


def test_linear_gd_validates_its_arguments():
    X, y = problem(0)
    with pytest.raises(ValueError, match="convention"):
        descent.linear_gd(X, y, lr=0.1, n_steps=1, convention="rmse")
    with pytest.raises(ValueError, match="theta0"):
        descent.linear_gd(X, y, lr=0.1, n_steps=1, theta0=np.zeros(3))
    with pytest.raises(ValueError, match="lr"):
        descent.linear_gd(X, y, lr=0.0, n_steps=1)
    with pytest.raises(ValueError, match="convention"):
        descent.max_stable_lr(X, convention="MSE")


# ------------------------------------------------------------------------------------ gradients


@given(st.integers(0, 10_000), st.integers(1, 30), st.integers(1, 6))
@settings(max_examples=40, deadline=None)
def test_analytic_gradient_matches_numerical_gradient(seed, n, d):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    w, b = rng.normal(size=d), float(rng.normal())
    grad_w, grad_b = l2.linear_mse_grad(X, y, w, b)

    def cost(theta):
        return l2.mse(y, X @ theta[:-1] + theta[-1])

    numeric = l2.numerical_gradient(cost, np.append(w, b), h=1e-5)
    np.testing.assert_allclose(np.append(grad_w, grad_b), numeric, rtol=1e-6, atol=1e-7)


@given(st.integers(0, 10_000), st.integers(1, 30))
@settings(max_examples=30, deadline=None)
def test_gradient_of_a_non_quadratic_loss_matches_numerical_gradient(seed, n):
    """Huber loss of a linear model: grad = X^T psi(Xw - y) / n with psi the clipped residual."""
    rng = np.random.default_rng(seed)
    X, y, w = rng.normal(size=(n, 2)), 3 * rng.normal(size=n), rng.normal(size=2)
    e = X @ w - y
    e = np.where(np.abs(np.abs(e) - 1.0) < 1e-3, e + 0.01, e)  # keep away from the kink
    y = X @ w - e
    analytic = X.T @ np.clip(e, -1.0, 1.0) / n
    numeric = l2.numerical_gradient(lambda v: l2.huber(y, X @ v, delta=1.0), w, h=1e-7)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


def test_finite_difference_orders_of_accuracy():
    """Forward error ~ h f''/2 (halving h halves it), central ~ h^2 f'''/6 (halving h quarters it)."""
    f = lambda v: float(np.exp(v[0]))  # noqa: E731 - every derivative is exp(x)
    x = 0.3
    exact = np.exp(x)
    for h in (1e-2, 1e-3):
        fwd = descent.finite_difference(f, [x], h=h, scheme="forward")[0] - exact
        cen = descent.finite_difference(f, [x], h=h, scheme="central")[0] - exact
        assert fwd == pytest.approx(h / 2 * exact, rel=0.02)
        assert cen == pytest.approx(h**2 / 6 * exact, rel=0.02)


def test_central_difference_is_numerical_gradient_and_exact_on_a_quadratic():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    Q = A @ A.T
    f = lambda v: float(v @ Q @ v)  # noqa: E731
    x = rng.normal(size=4)
    exact = 2 * Q @ x
    big_h = descent.finite_difference(f, x, h=0.5)  # a huge step, still exact up to round-off
    np.testing.assert_allclose(big_h, exact, atol=1e-10)
    np.testing.assert_allclose(descent.finite_difference(f, x, h=1e-4), l2.numerical_gradient(f, x, h=1e-4),
                               atol=1e-9)
    with pytest.raises(ValueError, match="scheme"):
        descent.finite_difference(f, x, scheme="backward")


# ------------------------------------------------------------------------------------ mini-batches, SGD


@given(st.integers(1, 60), st.integers(1, 60), st.integers(1, 4), st.integers(0, 2**31))
@settings(max_examples=60, deadline=None)
def test_minibatches_cover_every_example_once_per_epoch(n, batch_size, n_epochs, seed):
    batch_size = min(batch_size, n)
    batches = list(descent.minibatch_indices(n, batch_size, n_epochs=n_epochs, seed=seed))
    per_epoch = -(-n // batch_size)
    assert len(batches) == n_epochs * per_epoch
    assert all(1 <= len(b) <= batch_size for b in batches)
    for e in range(n_epochs):
        epoch = np.concatenate(batches[e * per_epoch : (e + 1) * per_epoch])
        np.testing.assert_array_equal(np.sort(epoch), np.arange(n))
    again = list(descent.minibatch_indices(n, batch_size, n_epochs=n_epochs, seed=seed))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True)), "same seed, same batches"


def test_minibatches_differ_between_seeds_and_epochs():
    a = list(descent.minibatch_indices(50, 10, n_epochs=2, seed=0))
    b = list(descent.minibatch_indices(50, 10, n_epochs=2, seed=1))
    assert not np.array_equal(np.concatenate(a), np.concatenate(b))
    assert not np.array_equal(np.concatenate(a[:5]), np.concatenate(a[5:])), "each epoch reshuffles"
    with pytest.raises(ValueError, match="batch_size"):
        list(descent.minibatch_indices(5, 6))
    with pytest.raises(TypeError, match="batch_size"):
        list(descent.minibatch_indices(5, 2.0))


def sgd_problem(seed=0, n=200):
    X, y = problem(seed, n=n, d=2)
    A = np.column_stack([X, np.ones(n)])

    def batch_grad(theta, idx):
        w, b = l2.linear_mse_grad(X[idx], y[idx], theta[:-1], theta[-1])
        return np.append(w, b)

    model = l2.fit_least_squares(X, y)
    return A, batch_grad, np.append(model.w, model.b)


def test_full_batch_sgd_is_gradient_descent():
    A, batch_grad, _ = sgd_problem()
    n = A.shape[0]
    path = descent.sgd(batch_grad, np.zeros(3), n, lr=0.1, batch_size=n, n_epochs=25)
    ref = l2.gradient_descent(lambda t: batch_grad(t, np.arange(n)), np.zeros(3), lr=0.1, n_steps=25)
    np.testing.assert_allclose(path, ref, atol=1e-12)


def test_sgd_is_seeded_and_settles_in_a_noise_ball_that_shrinks_with_batch_size():
    A, batch_grad, theta_star = sgd_problem()
    n = A.shape[0]
    p1 = descent.sgd(batch_grad, np.zeros(3), n, lr=0.05, batch_size=1, n_epochs=20, seed=3)
    p2 = descent.sgd(batch_grad, np.zeros(3), n, lr=0.05, batch_size=1, n_epochs=20, seed=3)
    np.testing.assert_array_equal(p1, p2)
    tail = lambda p: np.mean(np.linalg.norm(p[len(p) // 2 :] - theta_star, axis=1))  # noqa: E731
    small = tail(p1)
    big = tail(descent.sgd(batch_grad, np.zeros(3), n, lr=0.05, batch_size=20, n_epochs=200, seed=3))
    assert small > 0.01, "single-example SGD with a constant step keeps moving"
    assert big < small / 2, "larger batches shrink the noise ball"
    assert small < 0.5, "but stays near the minimizer"


def test_animation_is_self_contained_and_keeps_first_and_last_iterate():
    path = np.column_stack([np.linspace(1, 0, 101), np.linspace(1, 0, 101) ** 2])
    html = descent.animate_descent(lambda t: float(t @ t), path, (-1, 1), (-1, 1), max_frames=10, dpi=20)
    assert html.count("data:image/jpeg") == 10
    assert "https://" not in html and "fa fa-" not in html, "no icon font from a CDN"
    short = descent.animate_descent(lambda t: float(t @ t), path[:4], (-1, 1), (-1, 1), dpi=20)
    assert short.count("data:image/jpeg") == 4, "a short path gets one frame per iterate"
    with pytest.raises(ValueError, match="path"):
        descent.animate_descent(lambda t: 0.0, np.zeros((3, 3)), (-1, 1), (-1, 1))
