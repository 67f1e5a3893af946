"""The statistics of ridge: its bias and variance, leave-one-out, GCV and the one-SE rule.

Model and conventions (see the notation page): a fixed design ``X`` of shape (n, d), targets
``y = X w + b + eps`` with ``E eps = 0`` and ``Cov eps = noise_var * I``; ridge minimizes
``||y - X w - b||**2 + alpha * ||w||**2`` (the SSE convention, ``alpha = n * lam``) with the
intercept ``b`` not penalized, as :func:`l2course.fit_ridge` does. ``mu_j`` are the eigenvalues of
``Xc^T Xc`` (``Xc`` the centred design), i.e. the squared singular values ``s_j**2``.

Contents: the exact risk of the estimate (:func:`ridge_estimate_risk`, :func:`ridge_risk_derivative`,
:func:`hoerl_kennard_range`) and its Monte-Carlo counterpart (:func:`simulate_ridge_estimates`);
the smoother matrix and leave-one-out (:func:`ridge_smoother`, :func:`loo_residuals`,
:func:`loo_gcv_curves`); the one-standard-error rule on k-fold CV
(:func:`one_standard_error_rule`); a plot (:func:`plot_bias_variance`).
"""

from itertools import cycle
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np

from ._validation import as_array, as_count, as_design, as_scalar
from .plots import PALETTE

__all__ = [
    "RidgeRisk",
    "ridge_estimate_risk",
    "ridge_risk_derivative",
    "HoerlKennardRange",
    "hoerl_kennard_range",
    "simulate_ridge_estimates",
    "ridge_smoother",
    "loo_residuals",
    "LooGcv",
    "loo_gcv_curves",
    "OneSE",
    "one_standard_error_rule",
    "plot_bias_variance",
]


# --------------------------------------------------------------------------- validation
def _centred_design(X, fit_intercept):
    X = as_array(X, "X", ndim=2, finite=True)
    return X - X.mean(axis=0) if fit_intercept else X


def _weights(w, d):
    w = as_array(w, "w", ndim=1, finite=True)
    if w.shape != (d,):
        raise ValueError(f"w must have shape ({d},), one weight per column of X; got {w.shape}")
    return w


def _alpha_grid(alphas, *, allow_zero=True):
    alphas = as_array(alphas, "alphas", ndim=(0, 1), finite=True)
    alphas = np.atleast_1d(alphas)
    if np.any(alphas < 0) or (not allow_zero and np.any(alphas == 0)):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"alphas must all be {bound} (the SSE-convention penalty); got {alphas}")
    return alphas


def _eigen(Xc):
    """Eigenvalues ``mu`` (decreasing) and eigenvectors ``V`` (columns) of ``Xc^T Xc``."""
    mu, V = np.linalg.eigh(Xc.T @ Xc)
    order = np.argsort(mu)[::-1]
    mu, V = mu[order], V[:, order]
    cutoff = max(Xc.shape) * np.finfo(np.float64).eps * max(mu[0], 0.0)
    return np.where(mu > cutoff, mu, 0.0), V


def _full_rank(mu, what):
    if np.any(mu == 0):
        raise ValueError(
            f"{what} needs Xc^T Xc of full rank (least squares unique); the centred design has rank "
            f"{int(np.sum(mu > 0))} < d = {mu.size}"
        )


# --------------------------------------------------------------------------- the risk of the estimate
class RidgeRisk(NamedTuple):
    """Result of :func:`ridge_estimate_risk`: ``mse = bias_sq + variance`` at each ``alpha``.

    Attributes
    ----------
    alphas : numpy.ndarray of shape (k,)
    bias_sq : numpy.ndarray of shape (k,)
        ``||E w_hat - w||**2``.
    variance : numpy.ndarray of shape (k,)
        ``trace Cov w_hat = E ||w_hat - E w_hat||**2``.
    mse : numpy.ndarray of shape (k,)
        ``E ||w_hat - w||**2``.
    """

    alphas: np.ndarray
    bias_sq: np.ndarray
    variance: np.ndarray
    mse: np.ndarray


def _risk_inputs(X, w, alphas, noise_var, fit_intercept):
    """Validated ``(alphas, noise_var, mu, theta2)``: the eigenvalues ``mu`` of ``Xc.T Xc`` and the squared
    coordinates ``theta2`` of ``w`` in its eigenbasis, shared by the risk and its derivative."""
    Xc = _centred_design(X, fit_intercept)
    w = _weights(w, Xc.shape[1])
    alphas = _alpha_grid(alphas)
    noise_var = as_scalar(noise_var, "noise_var", minimum=0)
    mu, V = _eigen(Xc)
    if np.any(alphas == 0):
        _full_rank(mu, "alpha = 0")
    return alphas, noise_var, mu, (V.T @ w) ** 2


def ridge_estimate_risk(X, w, alphas, *, noise_var, fit_intercept=True):
    """Exact squared bias, variance and mean squared error of the ridge weights.

    In the eigenbasis ``Xc^T Xc = V diag(mu) V^T`` with ``theta = V^T w``::

        bias_sq  = sum_j alpha**2 theta_j**2 / (mu_j + alpha)**2
        variance = noise_var * sum_j mu_j / (mu_j + alpha)**2

    Parameters
    ----------
    X : array_like of shape (n, d)
        The fixed design (centred inside when ``fit_intercept``).
    w : array_like of shape (d,)
        The true weights.
    alphas : float or array_like of shape (k,)
        Penalties in the SSE convention, >= 0; ``alpha = 0`` (least squares) needs a centred
        design of full column rank.
    noise_var : float
        The noise variance sigma**2, >= 0.
    fit_intercept : bool, default True
        The intercept is fitted and not penalized (its value does not change ``w_hat``).

    Returns
    -------
    RidgeRisk

    Examples
    --------
    One feature with ``x @ x = 4``, ``w = 1``, ``noise_var = 1``: least squares has variance
    ``1 / 4``; at ``alpha = 4`` the bias is ``1 / 4`` and the variance ``4 / 64``.

    >>> risk = ridge_estimate_risk([[2.0]], [1.0], [0.0, 4.0], noise_var=1.0,
    ...                            fit_intercept=False)
    >>> risk.bias_sq, risk.variance
    (array([0.  , 0.25]), array([0.25  , 0.0625]))
    """
    alphas, noise_var, mu, theta2 = _risk_inputs(X, w, alphas, noise_var, fit_intercept)
    denom = (mu[None, :] + alphas[:, None]) ** 2  # (k, d)
    bias_sq = np.sum(alphas[:, None] ** 2 * theta2 / denom, axis=1)
    variance = noise_var * np.sum(mu / denom, axis=1)
    return RidgeRisk(alphas, bias_sq, variance, bias_sq + variance)


def ridge_risk_derivative(X, w, alphas, *, noise_var, fit_intercept=True):
    """``d MSE / d alpha = 2 sum_j mu_j (alpha theta_j**2 - noise_var) / (mu_j + alpha)**3``.

    Parameters
    ----------
    X, w, alphas, noise_var, fit_intercept
        As in :func:`ridge_estimate_risk`.

    Returns
    -------
    numpy.ndarray of shape (k,)

    Examples
    --------
    At ``alpha = 0`` it is ``-2 noise_var sum_j 1 / mu_j**2``:

    >>> ridge_risk_derivative([[2.0]], [1.0], 0.0, noise_var=1.0, fit_intercept=False)
    array([-0.125])
    """
    alphas, noise_var, mu, theta2 = _risk_inputs(X, w, alphas, noise_var, fit_intercept)
    a = alphas[:, None]
    return 2 * np.sum(mu * (a * theta2 - noise_var) / (mu + a) ** 3, axis=1)


class HoerlKennardRange(NamedTuple):
    """Result of :func:`hoerl_kennard_range`.

    Attributes
    ----------
    decreasing_below : float
        ``noise_var / max_j theta_j**2``: the MSE falls strictly on ``[0, decreasing_below]``.
    better_than_ls_below : float
        ``2 noise_var / max_j theta_j**2``: every ``0 < alpha < better_than_ls_below`` has a
        smaller MSE than least squares.
    theta : numpy.ndarray of shape (d,)
        The true weights in the eigenbasis, ``V^T w`` (decreasing ``mu``; signs as numpy's).
    """

    decreasing_below: float
    better_than_ls_below: float
    theta: np.ndarray


def hoerl_kennard_range(X, w, *, noise_var, fit_intercept=True):
    """The penalties that provably beat least squares in MSE of the weights (Hoerl and Kennard).

    Parameters
    ----------
    X : array_like of shape (n, d)
        The fixed design; its centred version must have full column rank.
    w : array_like of shape (d,), not all zero
    noise_var : float, > 0
    fit_intercept : bool, default True

    Returns
    -------
    HoerlKennardRange

    Examples
    --------
    >>> hk = hoerl_kennard_range([[2.0, 0.0], [0.0, 1.0]], [0.5, 1.0], noise_var=2.0,
    ...                          fit_intercept=False)
    >>> hk.decreasing_below, hk.better_than_ls_below
    (2.0, 4.0)
    """
    Xc = _centred_design(X, fit_intercept)
    w = _weights(w, Xc.shape[1])
    noise_var = as_scalar(noise_var, "noise_var", minimum=0, strict=True)
    if not np.any(w):
        raise ValueError("w must not be all zero (then every alpha > 0 beats least squares)")
    mu, V = _eigen(Xc)
    _full_rank(mu, "hoerl_kennard_range")
    theta = V.T @ w
    top = float(np.max(theta**2))
    return HoerlKennardRange(noise_var / top, 2 * noise_var / top, theta)


def simulate_ridge_estimates(X, w, alphas, *, noise_var, n_rep, seed, b=0.0, fit_intercept=True):
    """Ridge weights fitted to ``n_rep`` simulated data sets with Gaussian noise.

    Every data set is ``y = X w + b + sqrt(noise_var) * z`` with ``z`` drawn from
    ``numpy.random.default_rng(seed).standard_normal((n_rep, n))`` (row ``r`` is data set ``r``);
    each is fitted for every ``alpha`` from one SVD, as :func:`l2course.fit_ridge` would fit it.

    Parameters
    ----------
    X : array_like of shape (n, d)
    w : array_like of shape (d,)
    alphas : array_like of shape (k,)
        Penalties, >= 0 (0 needs a centred design of full column rank).
    noise_var : float, >= 0
    n_rep : int, >= 1
    seed : int
    b : float, default 0
        The true intercept.
    fit_intercept : bool, default True

    Returns
    -------
    numpy.ndarray of shape (n_rep, k, d)

    Examples
    --------
    >>> W = simulate_ridge_estimates([[-1.0], [1.0]], [1.0], [0.0, 2.0], noise_var=0.0,
    ...                              n_rep=3, seed=0)
    >>> W[:, :, 0]       # no noise: least squares is exact, alpha = 2 halves the slope
    array([[1. , 0.5],
           [1. , 0.5],
           [1. , 0.5]])
    """
    X = as_array(X, "X", ndim=2, finite=True)
    w = _weights(w, X.shape[1])
    alphas = _alpha_grid(alphas)
    noise_var = as_scalar(noise_var, "noise_var", minimum=0)
    n_rep = as_count(n_rep, "n_rep", minimum=1)
    b = as_scalar(b, "b")
    Xc = X - X.mean(axis=0) if fit_intercept else X
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    if np.any(alphas == 0):
        _full_rank(_eigen(Xc)[0], "alpha = 0")
    Y = X @ w + b + np.sqrt(noise_var) * np.random.default_rng(seed).standard_normal((n_rep, len(X)))
    if fit_intercept:
        Y = Y - Y.mean(axis=1, keepdims=True)
    uty = Y @ U  # (n_rep, r)
    factors = s / (s**2 + alphas[:, None])  # (k, r)
    return np.einsum("kr,nr,rd->nkd", factors, uty, Vt)


# --------------------------------------------------------------------------- leave-one-out and GCV
def ridge_smoother(X, alpha, *, fit_intercept=True):
    """The matrix ``S`` with ``y_hat = S y`` for ridge with penalty ``alpha``.

    With the intercept, ``S = 1 1^T / n + Xc (Xc^T Xc + alpha I)^-1 Xc^T``: the mean of ``y``
    plus the ridge hat matrix ``H_alpha`` of the centred data, so ``S_ii = 1/n + (H_alpha)_ii``
    and ``trace S = 1 + df(alpha)``. Without it, ``S = H_alpha`` of ``X`` itself.

    Parameters
    ----------
    X : array_like of shape (n, d)
    alpha : float, > 0
    fit_intercept : bool, default True

    Returns
    -------
    numpy.ndarray of shape (n, n)

    Examples
    --------
    >>> S = ridge_smoother([[-1.0], [1.0]], 2.0)
    >>> S            # 1/2 from the mean plus x x^T / (2 + 2)
    array([[0.75, 0.25],
           [0.25, 0.75]])
    """
    Xc = _centred_design(X, fit_intercept)
    alpha = as_scalar(alpha, "alpha", minimum=0, strict=True)
    n, d = Xc.shape
    H = Xc @ np.linalg.solve(Xc.T @ Xc + alpha * np.eye(d), Xc.T)
    return H + 1.0 / n if fit_intercept else H


def _svd_pieces(X, y, fit_intercept):
    X, y = as_design(X, y, finite=True)
    if fit_intercept:
        Xc, yc = X - X.mean(axis=0), y - y.mean()
    else:
        Xc, yc = X, y
    U, s, _ = np.linalg.svd(Xc, full_matrices=False)
    return U, s, yc, len(y)


def _residuals_and_leverages(U, s, yc, n, alphas, fit_intercept):
    f = s**2 / (s**2 + alphas[:, None])  # (k, r) shrinkage factors
    residual = yc[None, :] - (f * (U.T @ yc)) @ U.T  # (k, n)
    leverage = f @ (U**2).T + (1.0 / n if fit_intercept else 0.0)  # (k, n): S_ii
    trace = f.sum(axis=1) + (1.0 if fit_intercept else 0.0)
    return residual, leverage, trace


def loo_residuals(X, y, alpha, *, fit_intercept=True):
    """Leave-one-out residuals ``y_i - y_hat_i^(-i) = r_i / (1 - S_ii)`` without refitting.

    ``r_i`` is the residual of the fit to all ``n`` examples and ``S_ii`` the diagonal of
    :func:`ridge_smoother`; the identity is exact (Sherman-Morrison), intercept included.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    alpha : float, > 0
    fit_intercept : bool, default True

    Returns
    -------
    numpy.ndarray of shape (n,)

    Examples
    --------
    Two points: leaving one out leaves the mean of the other as the fit.

    >>> loo_residuals([[-1.0], [1.0]], [0.0, 4.0], 2.0)
    array([-4.,  4.])
    """
    alpha = as_scalar(alpha, "alpha", minimum=0, strict=True)
    if len(np.atleast_1d(y)) < 2:
        raise ValueError("y must hold at least 2 examples to leave one out")
    U, s, yc, n = _svd_pieces(X, y, fit_intercept)
    residual, leverage, _ = _residuals_and_leverages(U, s, yc, n, np.array([alpha]), fit_intercept)
    return residual[0] / (1 - leverage[0])


class LooGcv(NamedTuple):
    """Result of :func:`loo_gcv_curves`.

    Attributes
    ----------
    alphas : numpy.ndarray of shape (k,)
    loo_mse : numpy.ndarray of shape (k,)
        ``mean_i (r_i / (1 - S_ii))**2``, the leave-one-out mean squared error.
    gcv : numpy.ndarray of shape (k,)
        ``n SSE / (n - trace S)**2``.
    trace : numpy.ndarray of shape (k,)
        ``trace S`` (``1 + df(alpha)`` with the intercept).
    best_loo_alpha, best_gcv_alpha : float
        The grid penalties with the smallest ``loo_mse`` and ``gcv`` (the first on ties).
    """

    alphas: np.ndarray
    loo_mse: np.ndarray
    gcv: np.ndarray
    trace: np.ndarray
    best_loo_alpha: float
    best_gcv_alpha: float


def loo_gcv_curves(X, y, alphas, *, fit_intercept=True):
    """Leave-one-out MSE and generalized cross-validation of ridge on a grid, from one SVD.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,), n >= 2
    alphas : array_like of shape (k,)
        Penalties in the SSE convention, > 0.
    fit_intercept : bool, default True

    Returns
    -------
    LooGcv

    Examples
    --------
    >>> cv = loo_gcv_curves([[-1.0], [1.0]], [0.0, 4.0], [2.0])
    >>> cv.loo_mse, cv.gcv, cv.trace     # S = [[.75, .25], [.25, .75]]: S_ii = tr S / n
    (array([16.]), array([16.]), array([1.5]))
    """
    alphas = _alpha_grid(alphas, allow_zero=False)
    if len(np.atleast_1d(y)) < 2:
        raise ValueError("y must hold at least 2 examples to leave one out")
    U, s, yc, n = _svd_pieces(X, y, fit_intercept)
    residual, leverage, trace = _residuals_and_leverages(U, s, yc, n, alphas, fit_intercept)
    loo_mse = np.mean((residual / (1 - leverage)) ** 2, axis=1)
    gcv = n * np.sum(residual**2, axis=1) / (n - trace) ** 2
    return LooGcv(
        alphas, loo_mse, gcv, trace, float(alphas[np.argmin(loo_mse)]), float(alphas[np.argmin(gcv)])
    )


# --------------------------------------------------------------------------- the one-SE rule
class OneSE(NamedTuple):
    """Result of :func:`one_standard_error_rule`.

    Attributes
    ----------
    mean_mse : numpy.ndarray of shape (k,)
        The CV error, the mean of the fold MSEs (each fold counts equally).
    standard_error : numpy.ndarray of shape (k,)
        ``std(fold MSEs, ddof=1) / sqrt(n_folds)`` at each alpha.
    best_alpha : float
        The alpha with the smallest ``mean_mse`` (the first on ties).
    threshold : float
        ``mean_mse`` at ``best_alpha`` plus its standard error.
    one_se_alpha : float
        The largest alpha whose ``mean_mse`` is at most ``threshold``.
    """

    mean_mse: np.ndarray
    standard_error: np.ndarray
    best_alpha: float
    threshold: float
    one_se_alpha: float


def one_standard_error_rule(alphas, fold_mse):
    """The largest penalty whose k-fold CV error is within one standard error of the minimum.

    Parameters
    ----------
    alphas : array_like of shape (k,)
        The penalties (any order), > 0; larger means a simpler model.
    fold_mse : array_like of shape (k, n_folds)
        Validation MSE of each penalty on each fold, e.g. ``CVResult.fold_mse`` of
        :func:`l2course.regularization.cross_validate_ridge`; ``n_folds >= 2``.

    Returns
    -------
    OneSE

    Examples
    --------
    >>> rule = one_standard_error_rule([1.0, 10.0, 100.0],
    ...                                [[2.0, 4.0], [2.5, 4.5], [5.0, 7.0]])
    >>> rule.best_alpha, rule.threshold, rule.one_se_alpha
    (1.0, 4.0, 10.0)
    """
    alphas = _alpha_grid(alphas, allow_zero=False)
    fold_mse = as_array(fold_mse, "fold_mse", ndim=2, finite=True)
    if fold_mse.shape[0] != alphas.size or fold_mse.shape[1] < 2:
        raise ValueError(
            f"fold_mse must have shape ({alphas.size}, n_folds >= 2), one row per alpha; "
            f"got {fold_mse.shape}"
        )
    mean = fold_mse.mean(axis=1)
    se = fold_mse.std(axis=1, ddof=1) / np.sqrt(fold_mse.shape[1])
    best = int(np.argmin(mean))
    threshold = float(mean[best] + se[best])
    one_se = float(np.max(alphas[mean <= threshold]))
    return OneSE(mean, se, float(alphas[best]), threshold, one_se)


# --------------------------------------------------------------------------- plot
def plot_bias_variance(risk, *, ax=None, simulated=None, band=None, marks=()):
    """Squared bias, variance and MSE of the ridge weights against alpha (log scale).

    Parameters
    ----------
    risk : RidgeRisk
        From :func:`ridge_estimate_risk`, with ``alphas > 0`` (the axis is logarithmic).
    ax : matplotlib.axes.Axes, optional
    simulated : array_like of shape (k,), optional
        A Monte-Carlo MSE at the same alphas, drawn as points.
    band : array_like of shape (k,), optional
        Half-width of a band drawn around ``simulated`` (e.g. 2 Monte-Carlo standard errors).
    marks : sequence of (alpha, label) pairs
        Vertical lines with a legend entry each e.g. the Hoerl-Kennard bounds.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> risk = ridge_estimate_risk([[2.0]], [1.0], [0.5, 4.0], noise_var=1.0,
    ...                            fit_intercept=False)
    >>> ax = plot_bias_variance(risk)
    >>> [line.get_label() for line in ax.get_lines()][:3]
    ['squared bias', 'variance', 'MSE (closed form)']
    >>> plt.close(ax.figure)
    """
    if not isinstance(risk, RidgeRisk):
        raise TypeError(f"risk must be a RidgeRisk from ridge_estimate_risk; got {type(risk).__name__}")
    if np.any(risk.alphas <= 0):
        raise ValueError("risk.alphas must all be > 0 for the logarithmic axis")
    if ax is None:
        _, ax = plt.subplots()
    a = risk.alphas
    ax.plot(a, risk.bias_sq, color=PALETTE["l1"], label="squared bias")
    ax.plot(a, risk.variance, color=PALETTE["residual"], linestyle="--", label="variance")
    ax.plot(a, risk.mse, color=PALETTE["model"], linewidth=2, label="MSE (closed form)")
    if simulated is not None:
        simulated = as_array(simulated, "simulated", ndim=1, finite=True)
        if band is not None:
            band = as_array(band, "band", ndim=1, finite=True)
            ax.fill_between(a, simulated - band, simulated + band, color=PALETTE["data"], alpha=0.25,
                            label="Monte-Carlo band")
        ax.plot(a, simulated, "o", ms=3, color=PALETTE["data"], label="MSE (simulated)")
    for (alpha, label), style in zip(marks, cycle([":", "-.", (0, (1, 3)), (0, (5, 2))])):
        ax.axvline(alpha, color=PALETTE["neutral"], linestyle=style, linewidth=1.2, label=label)
    ax.set_xscale("log")
    ax.set_xlabel(r"penalty $\alpha$ (log scale), SSE convention")
    ax.set_ylabel(r"$\mathbb{E}\,\|\hat{\mathbf{w}}_\alpha - \mathbf{w}\|^2$ and its parts")
    ax.legend(fontsize=8)
    return ax
