"""Tests of l2course.optimizers: momentum methods and their rates, RMSProp and scale, SGD chains and noise."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

import l2course as l2
from l2course import optimizers as opt
from l2course import regularization as reg


def quadratic(seed, mu=(50.0, 10.0, 2.0, 0.5), n=60):
    """A least-squares problem whose MSE Hessian (2/n) X.T X has exactly the eigenvalues mu."""
    rng = np.random.default_rng(seed)
    d = len(mu)
    U, _ = np.linalg.qr(rng.normal(size=(n, d)))
    V, _ = np.linalg.qr(rng.normal(size=(d, d)))
    X = (U * np.sqrt(np.asarray(mu) * n / 2)) @ V.T
    y = X @ rng.normal(size=d) + rng.normal(size=n)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    return X, y, w_star, (lambda w: 2.0 / n * X.T @ (X @ w - y))


# ------------------------------------------------------------------------------------ momentum methods


def test_heavy_ball_without_momentum_is_gradient_descent():
    X, y, _, grad = quadratic(0)
    path = opt.heavy_ball(grad, np.zeros(4), lr=0.01, momentum=0.0, n_steps=30)
    assert np.allclose(path, l2.gradient_descent(grad, np.zeros(4), lr=0.01, n_steps=30), rtol=1e-12)


def test_heavy_ball_error_follows_the_companion_recursion():
    """Delta_{k+1} = (1 + m) Delta_k - lr H Delta_k - m Delta_{k-1}, iterated as matrices."""
    X, y, w_star, grad = quadratic(1)
    H = 2.0 / X.shape[0] * X.T @ X
    lr, m = 0.02, 0.6
    path = opt.heavy_ball(grad, np.ones(4), lr=lr, momentum=m, n_steps=25)
    d = 4
    M = np.block([[(1 + m) * np.eye(d) - lr * H, -m * np.eye(d)], [np.eye(d), np.zeros((d, d))]])
    first = np.ones(4) - w_star - lr * H @ (np.ones(4) - w_star)  # a plain gradient step
    state = np.concatenate([first, np.ones(4) - w_star])
    for k in range(1, 26):
        assert np.allclose(path[k] - w_star, state[:d], atol=1e-10)
        state = M @ state


def test_nesterov_equals_the_velocity_form():
    """Sutskever et al.'s form: v <- m v - lr grad(x + m v), x <- x + v."""
    _, _, _, grad = quadratic(2)
    lr, m = 0.015, 0.7
    path = opt.nesterov(grad, np.ones(4), lr=lr, momentum=m, n_steps=40)
    x, v = np.ones(4), np.zeros(4)
    for k in range(1, 41):
        v = m * v - lr * grad(x + m * v)
        x = x + v
        assert np.allclose(path[k], x, rtol=1e-10, atol=1e-12)


def test_tuning_formulas_are_the_brute_force_optimum():
    """Polyak's (lr, momentum) minimize the spectral radius over a grid; its rate is the minimum."""
    mu = np.array([9.0, 3.0, 1.0])
    best = opt.heavy_ball_tuning(1.0, 9.0)
    assert best.rate == pytest.approx(0.5, rel=1e-12)  # sqrt(kappa) = 3
    assert opt.companion_spectral_radius(mu, lr=best.lr, momentum=best.momentum) == pytest.approx(
        best.rate, abs=1e-6
    )  # a double root: eigvals are accurate to about sqrt(eps)
    grid = [
        opt.companion_spectral_radius(mu, lr=lr, momentum=m)
        for lr in np.linspace(0.05, 0.5, 46)
        for m in np.linspace(0.0, 0.9, 46)
    ]
    assert min(grid) >= best.rate - 1e-6
    gd = opt.companion_spectral_radius(mu, lr=2 / (1.0 + 9.0))
    assert gd == pytest.approx(0.8, rel=1e-12)  # (kappa - 1) / (kappa + 1)


def test_companion_radius_matches_the_quadratic_formula():
    """Roots of z**2 - a z + c, computed in closed form, against numpy.linalg.eigvals."""
    mu = np.array([4.0, 2.5, 0.3])
    lr, m = 0.2, 0.4
    for method, a, c in [
        ("heavy_ball", 1 + m - lr * mu, np.full(3, m)),
        ("nesterov", (1 + m) * (1 - lr * mu), m * (1 - lr * mu)),
    ]:
        disc = np.sqrt((a * a - 4 * c).astype(complex))
        roots = np.abs(np.concatenate([(a + disc) / 2, (a - disc) / 2]))
        assert opt.companion_spectral_radius(mu, lr=lr, momentum=m, method=method) == pytest.approx(
            roots.max(), rel=1e-12
        )


@pytest.mark.parametrize("method", ["heavy_ball", "nesterov"])
def test_measured_rate_is_the_promised_rate(method):
    mu = (100.0, 30.0, 5.0, 1.0)
    X, y, w_star, grad = quadratic(3, mu=mu)
    tune = opt.heavy_ball_tuning if method == "heavy_ball" else opt.nesterov_tuning
    run = opt.heavy_ball if method == "heavy_ball" else opt.nesterov
    t = tune(min(mu), max(mu))
    err = np.linalg.norm(run(grad, np.zeros(4), lr=t.lr, momentum=t.momentum, n_steps=100) - w_star, axis=1)
    measured = (err[100] / err[50]) ** (1 / 50)
    # a double root adds a factor k: (100/50)**(1/50) = 1.014 at most
    assert t.rate <= measured <= 1.02 * t.rate
    assert measured < 0.95 * (99 / 101)  # well below gradient descent's rate


def test_nesterov_rate_is_one_minus_one_over_root_kappa():
    t = opt.nesterov_tuning(1.0, 100.0)
    assert (t.lr, t.momentum, t.rate) == pytest.approx((0.01, 9 / 11, 0.9), rel=1e-12)
    assert opt.companion_spectral_radius(np.linspace(1, 100, 50), lr=t.lr, momentum=t.momentum,
                                         method="nesterov") == pytest.approx(0.9, abs=1e-6)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: opt.heavy_ball(lambda x: x, [1.0], lr=0.1, momentum=1.0, n_steps=1), "momentum"),
        (lambda: opt.nesterov(lambda x: x, [1.0], lr=-0.1, momentum=0.5, n_steps=1), "lr"),
        (lambda: opt.heavy_ball(3, [1.0], lr=0.1, momentum=0.5, n_steps=1), "grad"),
        (lambda: opt.heavy_ball(lambda x: np.ones(2), [1.0], lr=0.1, momentum=0.5, n_steps=1), "shape"),
        (lambda: opt.heavy_ball_tuning(2.0, 1.0), "mu_max"),
        (lambda: opt.nesterov_tuning(0.0, 1.0), "mu_min"),
        (lambda: opt.companion_spectral_radius([1.0], lr=0.1, method="adam"), "method"),
        (lambda: opt.rmsprop(lambda x: x, [1.0], lr=0.1, n_steps=1, decay=1.0), "decay"),
        (lambda: opt.robbins_monro_lr(0.1, 0, 3), "k0"),
        (lambda: opt.sgd_chains([[1.0]], [1.0], lr=[0.1], n_steps=2, n_chains=1), "lr"),
        (lambda: opt.sgd_chains([[1.0]], [1.0], lr=0.1, n_steps=2, n_chains=0), "n_chains"),
        (lambda: opt.sgd_stationary_excess([[1.0, 1.0]] * 3, [1.0, 2.0, 3.0], 0.01), "rank"),
        (lambda: opt.sgd_stationary_excess([[1.0]], [1.0], 2.0), "too large"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# ------------------------------------------------------------------------------------ adaptive methods


def test_rmsprop_matches_an_independent_loop():
    _, _, _, grad = quadratic(4)
    path = opt.rmsprop(grad, np.ones(4), lr=0.01, n_steps=30, decay=0.9, eps=1e-6)
    x, v = np.ones(4), np.zeros(4)
    for k in range(1, 31):
        g = grad(x)
        v = 0.9 * v + 0.1 * g**2
        x = x - 0.01 * g / (np.sqrt(v) + 1e-6)
        assert np.allclose(path[k], x, rtol=1e-12)


@pytest.mark.parametrize("c", [1e-6, 1e-2, 50.0])
def test_scaling_the_loss_is_dividing_eps(c):
    """(c * loss, eps) and (loss, eps / c) give the same iterates, for RMSProp and for Adam."""
    _, _, _, grad = quadratic(5)
    kw = dict(lr=0.01, n_steps=60)
    a = opt.rmsprop(lambda w: c * grad(w), np.zeros(4), eps=1e-8, **kw)
    b = opt.rmsprop(grad, np.zeros(4), eps=1e-8 / c, **kw)
    assert np.allclose(a, b, rtol=1e-9, atol=1e-12)
    a = reg.adam_l2(lambda w: c * grad(w), np.zeros(4), lam=0.0, eps=1e-8, **kw)
    b = reg.adam_l2(grad, np.zeros(4), lam=0.0, eps=1e-8 / c, **kw)
    assert np.allclose(a, b, rtol=1e-9, atol=1e-12)
    # and the invariance is not trivial: changing eps by a lot changes the path
    if c < 1e-3:
        same_eps = opt.rmsprop(grad, np.zeros(4), eps=1e-8, **kw)
        assert not np.allclose(a, same_eps, atol=1e-3)


# ------------------------------------------------------------------------------------ SGD


def test_robbins_monro_schedule():
    lrs = opt.robbins_monro_lr(0.2, 10, 1000)
    assert lrs[0] == 0.2 and lrs[10] == pytest.approx(0.1)
    assert np.all(np.diff(lrs) < 0)
    assert lrs[999] == pytest.approx(0.2 / (1 + 99.9), rel=1e-12)


def test_sgd_chain_replays_the_draws_by_hand():
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    lrs = opt.robbins_monro_lr(0.05, 5, 20)
    path = opt.sgd_chains(X, y, lr=lrs, n_steps=20, n_chains=3, w0=[1.0, -1.0], seed=11)
    draws = np.random.default_rng(11).integers(10, size=(20, 3))
    W = np.tile([1.0, -1.0], (3, 1))
    for k in range(20):
        for c, i in enumerate(draws[k]):
            W[c] = W[c] - lrs[k] * 2 * X[i] * (X[i] @ W[c] - y[i])
        assert np.allclose(path[k + 1], W, rtol=1e-12)


def test_the_stochastic_gradient_is_unbiased():
    """Averaged over the n equally likely draws, one SGD step is one full MSE gradient step."""
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    w = rng.normal(size=3)
    steps = [w - 0.1 * 2 * X[i] * (X[i] @ w - y[i]) for i in range(8)]
    grad_w, _ = l2.linear_mse_grad(X, y, w)
    assert np.allclose(np.mean(steps, axis=0), w - 0.1 * grad_w, rtol=1e-12)


def test_stationary_excess_one_feature_closed_form():
    """d = 1: C = lr^2 S / (1 - mean (1 - 2 lr x_i^2)^2)."""
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=12), rng.normal(size=12)
    lr = 0.03
    w_star = (x @ y) / (x @ x)
    S = np.mean((2 * x * (x * w_star - y)) ** 2)
    C = lr**2 * S / (1 - np.mean((1 - 2 * lr * x**2) ** 2))
    exact, first = opt.sgd_stationary_excess(x[:, None], y, lr)
    assert exact == pytest.approx(np.mean(2 * x**2) * C / 2, rel=1e-10)
    assert first == pytest.approx(lr * S / 4, rel=1e-12)


def test_stationary_excess_against_simulation_and_first_order():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(50, 2))
    y = X @ [1.0, -2.0] + 0.5 * rng.normal(size=50)
    lr = 0.02
    exact, first = opt.sgd_stationary_excess(X, y, lr)
    path = opt.sgd_chains(X, y, lr=lr, n_steps=1000, n_chains=300, seed=3)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    tail = path[300:]
    excess = np.mean((tail @ X.T - y) ** 2, axis=-1) - l2.mse(y, X @ w_star)  # (steps, chains)
    per_chain = excess.mean(axis=0)
    se = per_chain.std(ddof=1) / np.sqrt(per_chain.size)
    assert abs(per_chain.mean() - exact) < 4 * se
    assert abs(first / exact - 1) < 0.1  # first order in lr
    ratios = [opt.sgd_stationary_excess(X, y, r)[0] / opt.sgd_stationary_excess(X, y, r)[1]
              for r in (0.004, 0.002, 0.001)]
    assert abs(ratios[2] - 1) < abs(ratios[1] - 1) < abs(ratios[0] - 1)


def test_min_norm_limit_matches_pinv_and_scikit_learn():
    """GD from zero on a rank-deficient X ends at pinv(X) y, what LinearRegression returns too."""
    rng = np.random.default_rng(10)
    X = rng.normal(size=(20, 2)) @ rng.normal(size=(2, 4))  # rank 2
    y = rng.normal(size=20)
    lr = 0.9 * l2.descent.max_stable_lr(X)
    end = l2.descent.linear_gd(X, y, lr=lr, n_steps=3000, fit_intercept=False)[-1]
    assert np.allclose(end, np.linalg.pinv(X) @ y, atol=1e-8)
    assert np.allclose(LinearRegression(fit_intercept=False).fit(X, y).coef_, end, atol=1e-8)
