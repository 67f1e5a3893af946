"""Ridge regression seen three ways: a penalty, a Gaussian prior and weight decay.

Conventions (see the notation page): the course writes the ridge cost as
``J = MSE + lam * ||w||**2`` and scikit-learn's ``Ridge`` as ``||y - X w - b||**2 + alpha * ||w||**2``,
so ``alpha = n * lam``. The intercept ``b`` is never penalized: every function here centres ``X`` and
``y`` when ``fit_intercept=True``, exactly as :func:`l2course.fit_ridge` does.

Contents: strength conversions (:func:`lam_to_alpha`, :func:`alpha_to_lam`,
:func:`penalty_conversions`), the SVD view (:func:`shrinkage_factors`, :func:`effective_dof`,
:func:`ridge_path`), cross-validation (:func:`kfold_indices`, :func:`cross_validate_ridge`), the
Bayesian view (:func:`log_posterior`, :func:`posterior_covariance`, :func:`gaussian_nll`), the
geometry of L1 and L2 constraints (:func:`norm_ball_minimizer`), optimizers that regularize
(:func:`weight_decay_step`, :func:`sgd`, :func:`adam_l2`, :func:`adamw`), polynomial features
(:func:`polynomial_design`) and plots (:func:`plot_ridge_path`, :func:`plot_norm_balls`,
:func:`animate_ridge_shrinkage`).
"""

from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np

from ._validation import as_array, as_count, as_design, as_scalar
from .plots import CYCLE, PALETTE

__all__ = [
    "lam_to_alpha",
    "alpha_to_lam",
    "penalty_conversions",
    "polynomial_design",
    "shrinkage_factors",
    "effective_dof",
    "ridge_path",
    "kfold_indices",
    "CVResult",
    "cross_validate_ridge",
    "log_posterior",
    "posterior_covariance",
    "gaussian_nll",
    "norm_ball_minimizer",
    "weight_decay_step",
    "sgd",
    "adam_l2",
    "adamw",
    "plot_ridge_path",
    "plot_norm_balls",
    "animate_ridge_shrinkage",
]


# --------------------------------------------------------------------------- conversions
def lam_to_alpha(lam, n):
    """Convert the course's ``lam`` (``MSE + lam ||w||^2``) to ``alpha`` (``SSE + alpha ||w||^2``).

    Dividing ``SSE + alpha ||w||^2`` by ``n`` gives ``MSE + (alpha / n) ||w||^2``, so
    ``alpha = n * lam``.

    Parameters
    ----------
    lam : float
        Course penalty strength, finite and >= 0.
    n : int
        Number of training examples, >= 1.

    Returns
    -------
    float

    Examples
    --------
    >>> lam_to_alpha(0.1, 50)
    5.0
    """
    return as_count(n, "n", minimum=1) * as_scalar(lam, "lam", minimum=0)


def alpha_to_lam(alpha, n):
    """Convert scikit-learn's ``Ridge`` ``alpha`` to the course's ``lam = alpha / n``.

    Examples
    --------
    >>> alpha_to_lam(5.0, 50)
    0.1
    """
    return as_scalar(alpha, "alpha", minimum=0) / as_count(n, "n", minimum=1)


def penalty_conversions(lam, n):
    """The argument each library needs to minimize ``J = MSE + lam ||w||^2`` (or its multiple).

    ===============================================  ================  ==========================
    library argument                                  value             its objective
    ===============================================  ================  ==========================
    scikit-learn ``Ridge(alpha=...)``                 ``n * lam``       ``SSE + alpha ||w||^2``
    scikit-learn ``SGDRegressor(alpha=...)``          ``lam``           ``MSE/2 + alpha/2 ||w||^2``
    scikit-learn ``ElasticNet(l1_ratio=0, alpha=)``   ``lam``           ``MSE/2 + alpha/2 ||w||^2``
    Keras ``regularizers.L2(l2=...)``                 ``lam``           ``loss + l2 ||w||^2``
    PyTorch ``SGD(weight_decay=...)``                 ``2 * lam``       gradient + ``wd * w``
    Bishop's ``alpha / beta`` (= ``sigma^2/tau^2``)   ``n * lam``       ``SSE/2 + (alpha/beta)/2 ||w||^2``
    ===============================================  ================  ==========================

    Parameters
    ----------
    lam : float
        Course penalty strength, >= 0.
    n : int
        Number of training examples.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> penalty_conversions(0.01, 200)["torch SGD weight_decay"]
    0.02
    """
    lam = as_scalar(lam, "lam", minimum=0)
    alpha = lam_to_alpha(lam, n)
    return {
        "sklearn Ridge alpha": alpha,
        "sklearn SGDRegressor alpha": lam,
        "sklearn ElasticNet(l1_ratio=0) alpha": lam,
        "keras regularizers.L2 l2": lam,
        "torch SGD weight_decay": 2 * lam,
        "Bishop alpha/beta": alpha,
    }


# --------------------------------------------------------------------------- features
def polynomial_design(x, degree):
    """Columns ``x, x**2, ..., x**degree`` (no constant column: the intercept is fitted apart).

    Parameters
    ----------
    x : array_like of shape (n,)
        One input feature. Keep it within [-1, 1] for high degrees, or the columns' scales
        differ by orders of magnitude.
    degree : int
        Highest power, >= 1.

    Returns
    -------
    numpy.ndarray of shape (n, degree)

    Examples
    --------
    >>> polynomial_design([1.0, 2.0], 3)
    array([[1., 1., 1.],
           [2., 4., 8.]])
    """
    x = as_array(x, "x", ndim=1)
    degree = as_count(degree, "degree", minimum=1)
    return x[:, None] ** np.arange(1, degree + 1)


# --------------------------------------------------------------------------- SVD view
def _centred(X, fit_intercept):
    X = as_array(X, "X", ndim=2, finite=True)
    return X - X.mean(axis=0) if fit_intercept else X


def _alphas(alphas):
    alphas = as_array(alphas, "alphas", ndim=(0, 1), finite=True)
    if np.any(alphas < 0):
        raise ValueError("alphas must all be >= 0")
    return alphas


def shrinkage_factors(X, alpha, *, fit_intercept=True):
    """Ridge's shrinkage ``s_j**2 / (s_j**2 + alpha)`` of each singular direction of ``X``.

    With the (centred) ``X = U diag(s) V^T``, ridge's fitted values are
    ``y_hat = sum_j u_j * s_j**2 / (s_j**2 + alpha) * (u_j @ y)``: least squares would keep each
    component ``u_j @ y`` whole (factor 1), ridge keeps the fraction returned here.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix (centred inside when ``fit_intercept``).
    alpha : float
        Penalty in the SSE convention, >= 0. With ``alpha = 0`` the factor is 1 for every
        non-zero singular value and 0 for (numerically) zero ones, as for the minimum-norm
        least-squares solution.
    fit_intercept : bool, default True
        Centre ``X`` first (the intercept is not penalized).

    Returns
    -------
    numpy.ndarray of shape (min(n, d),)
        Factors in [0, 1], in the order of decreasing singular values.

    Examples
    --------
    >>> X = [[2.0, 0.0], [0.0, 1.0]]        # singular values 2 and 1
    >>> shrinkage_factors(X, 1.0, fit_intercept=False)
    array([0.8, 0.5])
    """
    Xc = _centred(X, fit_intercept)
    alpha = as_scalar(alpha, "alpha", minimum=0)
    s = np.linalg.svd(Xc, compute_uv=False)
    if alpha > 0:
        return s**2 / (s**2 + alpha)
    cutoff = max(Xc.shape) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
    return (s > cutoff).astype(np.float64)


def effective_dof(X, alpha, *, fit_intercept=True):
    """Effective degrees of freedom of ridge, ``sum_j s_j**2 / (s_j**2 + alpha)``.

    It equals the trace of the ridge hat matrix ``Xc (Xc^T Xc + alpha I)^-1 Xc^T``; it is the
    rank of ``X`` at ``alpha = 0`` and falls to 0 as ``alpha`` grows. The intercept, when fitted,
    adds one more degree of freedom that is not counted here.

    Parameters
    ----------
    X : array_like of shape (n, d)
    alpha : float
        Penalty in the SSE convention, >= 0.
    fit_intercept : bool, default True

    Returns
    -------
    float

    Examples
    --------
    >>> effective_dof([[2.0, 0.0], [0.0, 1.0]], 1.0, fit_intercept=False)
    1.3
    """
    return float(np.sum(shrinkage_factors(X, alpha, fit_intercept=fit_intercept)))


def ridge_path(X, y, alphas, *, fit_intercept=True):
    """Ridge coefficients for many penalties from one SVD.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    alphas : array_like of shape (k,)
        Penalties in the SSE convention (``alpha = n * lam``), each > 0.
    fit_intercept : bool, default True

    Returns
    -------
    W : numpy.ndarray of shape (k, d)
        ``W[i]`` equals ``fit_ridge(X, y, alphas[i]).w``.
    b : numpy.ndarray of shape (k,)
        The intercepts.

    Examples
    --------
    >>> X, y = [[-1.0], [0.0], [1.0]], [-1.0, 0.0, 1.0]
    >>> W, b = ridge_path(X, y, [2.0, 6.0])
    >>> W.ravel()      # 2 / (2 + alpha)
    array([0.5 , 0.25])
    """
    X, y = as_design(X, y, finite=True)
    alphas = _alphas(alphas)
    if alphas.ndim != 1 or np.any(alphas == 0):
        raise ValueError("alphas must be a 1-D array of penalties > 0 (use fit_ridge for alpha = 0)")
    if fit_intercept:
        x_mean, y_mean = X.mean(axis=0), y.mean()
    else:
        x_mean, y_mean = np.zeros(X.shape[1]), 0.0
    U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    uty = U.T @ (y - y_mean)
    factors = s / (s**2 + alphas[:, None])  # (k, r)
    W = (factors * uty) @ Vt
    return W, y_mean - W @ x_mean


# --------------------------------------------------------------------------- cross-validation
def kfold_indices(n, k):
    """Contiguous k-fold splits, the same as scikit-learn's ``KFold(n_splits=k)`` (no shuffling).

    The first ``n % k`` folds hold ``n // k + 1`` examples, the others ``n // k``. Shuffle the
    data once beforehand if its order is not random.

    Parameters
    ----------
    n : int
        Number of examples.
    k : int
        Number of folds, ``2 <= k <= n``.

    Returns
    -------
    list of (train_index, validation_index) pairs of integer arrays

    Examples
    --------
    >>> [val.tolist() for _, val in kfold_indices(5, 2)]
    [[0, 1, 2], [3, 4]]
    """
    n = as_count(n, "n", minimum=2)
    k = as_count(k, "k", minimum=2)
    if k > n:
        raise ValueError(f"k must be <= n = {n} (each fold needs an example); got k = {k}")
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    stops = np.cumsum(sizes)
    index = np.arange(n)
    return [
        (np.concatenate([index[: stop - size], index[stop:]]), index[stop - size : stop])
        for size, stop in zip(sizes, stops, strict=True)
    ]


class CVResult(NamedTuple):
    """Result of :func:`cross_validate_ridge`.

    Attributes
    ----------
    alphas : numpy.ndarray of shape (m,)
    fold_mse : numpy.ndarray of shape (m, k)
        Validation MSE of every penalty on every fold.
    mean_mse : numpy.ndarray of shape (m,)
        Its mean over the folds (the validation curve).
    best_alpha : float
        The penalty with the smallest ``mean_mse`` (the first one on ties).
    """

    alphas: np.ndarray
    fold_mse: np.ndarray
    mean_mse: np.ndarray
    best_alpha: float


def cross_validate_ridge(X, y, alphas, folds, *, fit_intercept=True):
    """Validation MSE of ridge for every penalty in ``alphas`` on every fold.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    alphas : array_like of shape (m,)
        Penalties in the SSE convention, > 0. The same ``alpha`` is used in every fold
        (scikit-learn's ``RidgeCV`` convention). It means ``lam = alpha / n_train`` there, with
        ``n_train`` the size of the *training* part of a fold; to hold ``lam`` fixed instead
        (glmnet's convention), pass ``n_train * lam``.
    folds : int or list of (train_index, validation_index)
        Number of contiguous folds (see :func:`kfold_indices`) or explicit splits.
    fit_intercept : bool, default True

    Returns
    -------
    CVResult

    Examples
    --------
    >>> x = np.linspace(-1, 1, 12)
    >>> y = 3 * x + np.sin(7 * x)
    >>> cv = cross_validate_ridge(x.reshape(-1, 1), y, [0.01, 1.0, 100.0], folds=3)
    >>> cv.fold_mse.shape, bool(cv.mean_mse[2] > cv.mean_mse[0])
    ((3, 3), True)
    """
    X, y = as_design(X, y, finite=True)
    alphas = _alphas(alphas)
    if alphas.ndim != 1 or np.any(alphas == 0):
        raise ValueError("alphas must be a 1-D array of penalties > 0")
    if isinstance(folds, int | np.integer):
        folds = kfold_indices(len(y), int(folds))
    fold_mse = np.empty((len(alphas), len(folds)))
    for j, (train, val) in enumerate(folds):
        W, b = ridge_path(X[train], y[train], alphas, fit_intercept=fit_intercept)
        residual = y[val][None, :] - (W @ X[val].T + b[:, None])
        fold_mse[:, j] = np.mean(residual**2, axis=1)
    mean_mse = fold_mse.mean(axis=1)
    return CVResult(alphas, fold_mse, mean_mse, float(alphas[np.argmin(mean_mse)]))


# --------------------------------------------------------------------------- Bayesian view
def log_posterior(w, b, X, y, *, noise_var, prior_var):
    """Unnormalized log posterior of a linear-Gaussian model with a Gaussian prior on ``w``.

    Model: ``y_i = x_i @ w + b + eps_i`` with ``eps_i ~ N(0, noise_var)`` independent, prior
    ``w ~ N(0, prior_var * I)`` and a flat (improper) prior on ``b``. Returns
    ``log p(y | X, w, b) + log p(w)``, i.e. the log posterior up to the log evidence::

        -SSE / (2 noise_var) - ||w||^2 / (2 prior_var)
        - (n / 2) log(2 pi noise_var) - (d / 2) log(2 pi prior_var)

    Parameters
    ----------
    w : array_like of shape (d,)
    b : float
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    noise_var, prior_var : float
        sigma^2 and tau^2, > 0.

    Returns
    -------
    float

    Examples
    --------
    >>> float(np.round(log_posterior([0.0], 0.0, [[1.0]], [0.0], noise_var=1.0, prior_var=1.0), 6))
    -1.837877
    """
    X, y = as_design(X, y)
    w = as_array(w, "w", ndim=1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w has {w.shape[0]} entries but X has {X.shape[1]} columns")
    b = as_scalar(b, "b")
    noise_var = as_scalar(noise_var, "noise_var", minimum=0, strict=True)
    prior_var = as_scalar(prior_var, "prior_var", minimum=0, strict=True)
    n, d = X.shape
    r = y - X @ w - b
    return float(
        -(r @ r) / (2 * noise_var)
        - (w @ w) / (2 * prior_var)
        - 0.5 * n * np.log(2 * np.pi * noise_var)
        - 0.5 * d * np.log(2 * np.pi * prior_var)
    )


def posterior_covariance(X, *, noise_var, prior_var, fit_intercept=True):
    """Posterior covariance of ``w`` in the model of :func:`log_posterior`.

    With the intercept integrated out under its flat prior (``fit_intercept=True``) it is
    ``noise_var * (Xc^T Xc + alpha I)^-1`` with ``alpha = noise_var / prior_var`` and ``Xc`` the
    centred ``X``; the posterior mean is :func:`l2course.fit_ridge` with that ``alpha``. As
    ``prior_var -> 0`` it tends to the prior covariance ``prior_var * I``; as ``prior_var -> inf``
    to least squares' ``noise_var * (Xc^T Xc)^-1`` (when that exists).

    Parameters
    ----------
    X : array_like of shape (n, d)
    noise_var, prior_var : float
        sigma^2 and tau^2, > 0.
    fit_intercept : bool, default True

    Returns
    -------
    numpy.ndarray of shape (d, d)

    Examples
    --------
    >>> posterior_covariance([[-1.0], [1.0]], noise_var=1.0, prior_var=1.0)
    array([[0.3333]])
    """
    Xc = _centred(X, fit_intercept)
    noise_var = as_scalar(noise_var, "noise_var", minimum=0, strict=True)
    prior_var = as_scalar(prior_var, "prior_var", minimum=0, strict=True)
    precision = Xc.T @ Xc / noise_var + np.eye(Xc.shape[1]) / prior_var
    return np.linalg.inv(precision)


def gaussian_nll(y, y_hat, noise_var):
    """Negative log-likelihood of ``y`` under ``N(y_hat, noise_var)``, independent examples.

    ``(n / 2) log(2 pi noise_var) + SSE / (2 noise_var)``: for a fixed ``noise_var`` it is the SSE
    up to scale and shift; minimized over ``noise_var`` it gives ``noise_var = SSE / n``.

    Parameters
    ----------
    y, y_hat : array_like of shape (n,)
    noise_var : float
        > 0.

    Returns
    -------
    float

    Examples
    --------
    >>> round(gaussian_nll([1.0, -1.0], [0.0, 0.0], 1.0), 6)
    2.837877
    """
    y = as_array(y, "y", ndim=1)
    y_hat = as_array(y_hat, "y_hat", ndim=1)
    if y.shape != y_hat.shape:
        raise ValueError(f"y has shape {y.shape} but y_hat has shape {y_hat.shape}")
    noise_var = as_scalar(noise_var, "noise_var", minimum=0, strict=True)
    r = y - y_hat
    return float(0.5 * len(y) * np.log(2 * np.pi * noise_var) + (r @ r) / (2 * noise_var))


# --------------------------------------------------------------------------- L1 / L2 geometry
def _quadratic(A, centre):
    A = as_array(A, "A", ndim=2, finite=True)
    centre = as_array(centre, "centre", ndim=1, finite=True)
    if A.shape != (2, 2) or centre.shape != (2,):
        raise ValueError("A must have shape (2, 2) and centre shape (2,)")
    if not np.allclose(A, A.T) or np.linalg.eigvalsh(A)[0] <= 0:
        raise ValueError("A must be symmetric positive definite")
    return A, centre


def norm_ball_minimizer(A, centre, radius, p):
    """Minimize ``(w - centre)^T A (w - centre)`` over the ball ``||w||_p <= radius``, p in {1, 2}.

    The constrained form of ridge (``p = 2``) and lasso (``p = 1``) in two dimensions, solved
    exactly: for ``p = 2`` the answer is ``(A + mu I)^-1 A centre`` with ``mu >= 0`` found by
    bisection so that its norm is ``radius``; for ``p = 1`` the quadratic is minimized along each
    of the diamond's four edges (corners included) in closed form.

    Parameters
    ----------
    A : array_like of shape (2, 2)
        Symmetric positive definite (e.g. ``X^T X / n``).
    centre : array_like of shape (2,)
        The unconstrained minimizer (least squares).
    radius : float
        > 0.
    p : {1, 2}

    Returns
    -------
    numpy.ndarray of shape (2,)

    Examples
    --------
    >>> A = np.eye(2)
    >>> np.round(norm_ball_minimizer(A, [3.0, 4.0], 1.0, 2), 6)
    array([0.6, 0.8])
    >>> np.round(norm_ball_minimizer(A, [3.0, 0.5], 1.0, 1), 6)
    array([1., 0.])
    """
    A, centre = _quadratic(A, centre)
    radius = as_scalar(radius, "radius", minimum=0, strict=True)
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2; got {p!r}")
    if np.linalg.norm(centre, ord=p) <= radius:
        return centre.copy()
    if p == 2:
        eye = np.eye(2)

        def at(mu):
            return np.linalg.solve(A + mu * eye, A @ centre)

        lo, hi = 0.0, 1.0
        while np.linalg.norm(at(hi)) > radius:
            hi *= 2
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if np.linalg.norm(at(mid)) > radius else (lo, mid)
        return at(hi)
    corners = radius * np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    best, best_value = None, np.inf
    for a, c in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        e = c - a  # w = a + t e, t in [0, 1]
        t = np.clip(e @ A @ (centre - a) / (e @ A @ e), 0.0, 1.0)
        w = a + t * e
        value = (w - centre) @ A @ (w - centre)
        if value < best_value:
            best, best_value = w, value
    return best


# --------------------------------------------------------------------------- optimizers
def weight_decay_step(w, grad, *, lr, weight_decay):
    """One gradient step with weight decay: ``w <- (1 - lr * weight_decay) * w - lr * grad``.

    With ``J = MSE + lam ||w||^2`` the gradient step ``w - lr * (grad_MSE + 2 lam w)`` is this
    step with ``weight_decay = 2 * lam`` (PyTorch's SGD convention), so for plain gradient descent
    weight decay and an L2 penalty are the same thing.

    Parameters
    ----------
    w : array_like
        Current weights.
    grad : array_like of w's shape
        Gradient of the *unpenalized* loss at ``w``.
    lr : float
        Learning rate, > 0.
    weight_decay : float
        Decay rate ``lambda' = 2 lam``, >= 0.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> weight_decay_step([1.0, -2.0], [0.5, 0.0], lr=0.1, weight_decay=1.0)
    array([ 0.85, -1.8 ])
    """
    w = as_array(w, "w")
    grad = as_array(grad, "grad")
    if grad.shape != w.shape:
        raise ValueError(f"grad has shape {grad.shape} but w has shape {w.shape}")
    lr = as_scalar(lr, "lr", minimum=0, strict=True)
    weight_decay = as_scalar(weight_decay, "weight_decay", minimum=0)
    return (1 - lr * weight_decay) * w - lr * grad


def _check_grad(grad, x):
    g = as_array(grad(x.copy()), "the value returned by grad")
    if g.shape != x.shape:
        raise ValueError(f"grad must return an array of shape {x.shape}; got shape {g.shape}")
    return g


def sgd(grad, x0, *, lr, n_steps, lam=0.0, weight_decay=0.0):
    """Gradient descent with an L2 penalty in the gradient and/or decoupled weight decay.

    Each step is ``x <- (1 - lr * weight_decay) x - lr * (grad(x) + 2 lam x)``. With
    ``weight_decay = 2 lam`` and ``lam = 0`` it takes the same steps as ``lam`` alone (up to
    rounding): for (S)GD the two regularizers are one.

    Parameters
    ----------
    grad : callable
        Gradient of the unpenalized loss.
    x0 : array_like
        Starting point.
    lr : float
        > 0.
    n_steps : int
        >= 0.
    lam : float, default 0
        Coupled L2 penalty: ``2 lam x`` is added to the gradient.
    weight_decay : float, default 0
        Decoupled decay rate.

    Returns
    -------
    numpy.ndarray of shape (n_steps + 1, *x0.shape)
        The path, ``x0`` first.

    Examples
    --------
    ``(x - 3)**2 + x**2`` is smallest at ``x = 1.5``, reached here in one step:

    >>> sgd(lambda x: 2 * (x - 3), 0.0, lr=0.25, n_steps=2, lam=1.0)
    array([0. , 1.5, 1.5])
    """
    x = as_array(x0, "x0").copy()
    lr = as_scalar(lr, "lr", minimum=0, strict=True)
    n_steps = as_count(n_steps, "n_steps")
    lam = as_scalar(lam, "lam", minimum=0)
    weight_decay = as_scalar(weight_decay, "weight_decay", minimum=0)
    path = [x]
    for _ in range(n_steps):
        g = _check_grad(grad, x) + 2 * lam * x
        x = weight_decay_step(x, g, lr=lr, weight_decay=weight_decay)
        path.append(x)
    return np.stack(path)


def _adam(grad, x0, *, lr, n_steps, lam, weight_decay, betas, eps):
    x = as_array(x0, "x0").copy()
    lr = as_scalar(lr, "lr", minimum=0, strict=True)
    n_steps = as_count(n_steps, "n_steps")
    beta1, beta2 = (as_scalar(beta, "betas", minimum=0) for beta in betas)
    if not (beta1 < 1 and beta2 < 1):
        raise ValueError(f"betas must lie in [0, 1); got {betas!r}")
    eps = as_scalar(eps, "eps", minimum=0)
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    path = [x]
    for t in range(1, n_steps + 1):
        g = _check_grad(grad, x) + 2 * lam * x  # coupled L2: the penalty's gradient joins g
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        x = (1 - lr * weight_decay) * x - lr * m_hat / (np.sqrt(v_hat) + eps)  # decoupled decay
        path.append(x)
    return np.stack(path)


def adam_l2(grad, x0, *, lam, lr, n_steps, betas=(0.9, 0.999), eps=1e-8):
    """Adam on ``loss + lam ||x||^2``: the penalty's gradient ``2 lam x`` is added to ``grad``.

    This is what ``torch.optim.Adam(weight_decay=2 * lam)`` and Keras' ``L2(lam)`` regularizer
    with Adam do (Kingma & Ba, 2015). Because Adam divides each coordinate's step by the root
    of its running mean square gradient, the penalty is rescaled too: coordinates with large
    gradients are regularized *less* than under plain gradient descent.

    Parameters
    ----------
    grad : callable
        Gradient of the unpenalized loss.
    x0 : array_like
    lam : float
        L2 penalty strength (course convention), >= 0.
    lr : float
        > 0.
    n_steps : int
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8

    Returns
    -------
    numpy.ndarray of shape (n_steps + 1, *x0.shape)
        The path, ``x0`` first.

    Examples
    --------
    The first Adam step moves every coordinate by about ``lr`` against the sign of its gradient:

    >>> path = adam_l2(lambda x: np.array([10.0, -0.1]), [0.0, 0.0], lam=0.0, lr=0.01, n_steps=1)
    >>> np.round(path[1], 6)
    array([-0.01,  0.01])
    """
    lam = as_scalar(lam, "lam", minimum=0)
    return _adam(grad, x0, lr=lr, n_steps=n_steps, lam=lam, weight_decay=0.0, betas=betas, eps=eps)


def adamw(grad, x0, *, weight_decay, lr, n_steps, betas=(0.9, 0.999), eps=1e-8):
    """AdamW (Loshchilov & Hutter, 2019): Adam on the loss plus decoupled weight decay.

    Each step is ``x <- (1 - lr * weight_decay) x - lr * m_hat / (sqrt(v_hat) + eps)``, the
    convention of ``torch.optim.AdamW``: every coordinate decays by the same factor, whatever
    the size of its gradients. PyTorch multiplies the decay by the (current) learning rate;
    Loshchilov & Hutter's paper multiplies their ``lambda`` by the schedule multiplier only, not
    by the base rate ``alpha``, so their ``lambda`` is ``alpha * weight_decay`` here. With
    full-batch gradients and a constant ``weight_decay`` the end point does not depend on
    ``lr``: it solves least squares (for an MSE loss) subject to
    ``max |x_j| <= 1 / weight_decay``, up to terms of order ``eps``.

    Parameters
    ----------
    grad : callable
        Gradient of the unpenalized loss.
    x0 : array_like
    weight_decay : float
        >= 0.
    lr : float
        > 0.
    n_steps : int
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8

    Returns
    -------
    numpy.ndarray of shape (n_steps + 1, *x0.shape)

    Examples
    --------
    With a zero gradient only the decay acts:

    >>> adamw(lambda x: np.zeros(1), [1.0], weight_decay=0.5, lr=0.1, n_steps=2)[:, 0]
    array([1.    , 0.95  , 0.9025])
    """
    weight_decay = as_scalar(weight_decay, "weight_decay", minimum=0)
    return _adam(
        grad, x0, lr=lr, n_steps=n_steps, lam=0.0, weight_decay=weight_decay, betas=betas, eps=eps
    )


# --------------------------------------------------------------------------- plots
def plot_ridge_path(lams, W, *, ax=None, labels=None, marker=None):
    """Coefficient paths: each weight against ``lam`` on a log axis.

    Parameters
    ----------
    lams : array_like of shape (k,)
        Penalties (any convention; the axis is labelled with the course's lambda).
    W : array_like of shape (k, d)
        ``W[i]`` the weights at ``lams[i]`` (e.g. from :func:`ridge_path`).
    ax : matplotlib.axes.Axes, optional
    labels : list of str, optional
        One legend label per weight (default ``w_1``, ``w_2``, ...).
    marker : float, optional
        Draw a vertical dashed line at this penalty (e.g. the one chosen by cross-validation).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_ridge_path([0.1, 1.0, 10.0], [[2.0, -1.0], [1.0, -0.5], [0.2, -0.1]])
    >>> len(ax.get_lines())
    3
    >>> plt.close(ax.figure)
    """
    lams = as_array(lams, "lams", ndim=1)
    W = as_array(W, "W", ndim=2)
    if W.shape[0] != lams.shape[0]:
        raise ValueError(f"W has {W.shape[0]} rows but lams has {lams.shape[0]} values")
    if ax is None:
        _, ax = plt.subplots()
    labels = labels or [f"$w_{{{j + 1}}}$" for j in range(W.shape[1])]
    for j in range(W.shape[1]):
        ax.plot(lams, W[:, j], color=CYCLE[j % len(CYCLE)], label=labels[j],
                linestyle=("-", "--", "-.", ":")[(j // len(CYCLE)) % 4])
    ax.axhline(0.0, color=PALETTE["neutral"], linewidth=0.8)
    if marker is not None:
        ax.axvline(float(marker), color=PALETTE["accent"], linestyle="--", linewidth=1.5)
    ax.set_xscale("log")
    ax.set_xlabel(r"penalty $\lambda$ (log scale)")
    ax.set_ylabel(r"coefficient $w_j$")
    ax.legend(ncol=2 if W.shape[1] > 4 else 1, fontsize=8)
    return ax


def plot_norm_balls(A, centre, radius, *, ax=None, extent=None):
    """The L2 disc and the L1 diamond of ``radius`` with the loss contours touching each.

    Draws the contours of ``(w - centre)^T A (w - centre)``, the two constraint regions and their
    minimizers from :func:`norm_ball_minimizer`, with the loss level set through each one.

    Parameters
    ----------
    A : array_like of shape (2, 2)
    centre : array_like of shape (2,)
    radius : float
    ax : matplotlib.axes.Axes, optional
    extent : float, optional
        Half-width of the square window (default: enough to show ``centre``).

    Returns
    -------
    ax : matplotlib.axes.Axes
    minimizers : dict with keys ``"l1"`` and ``"l2"``

    Examples
    --------
    >>> ax, sol = plot_norm_balls(np.eye(2), [2.0, 0.5], 1.0)
    >>> np.round(sol["l1"], 6)
    array([1., 0.])
    >>> plt.close(ax.figure)
    """
    A, centre = _quadratic(A, centre)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 5.0))
    extent = extent or 1.25 * max(np.abs(centre).max(), radius) + 0.3
    grid = np.linspace(-extent, extent, 201)
    G1, G2 = np.meshgrid(grid, grid)
    D = np.stack([G1 - centre[0], G2 - centre[1]], axis=-1)
    Z = np.einsum("...i,ij,...j->...", D, A, D)
    sol = {p: norm_ball_minimizer(A, centre, radius, p) for p in (1, 2)}
    levels = np.quantile(Z, [0.005, 0.02, 0.06, 0.15, 0.3])
    ax.contour(G1, G2, Z, levels=np.sort(levels), colors=PALETTE["neutral"], linewidths=0.6,
               alpha=0.5)
    theta = np.linspace(0, 2 * np.pi, 200)
    ax.fill(radius * np.cos(theta), radius * np.sin(theta), color=PALETTE["l2"], alpha=0.2)
    ax.plot(radius * np.cos(theta), radius * np.sin(theta), color=PALETTE["l2"],
            label=r"L2 disc $\|w\|_2 \leq t$")
    diamond = radius * np.array([[1, 0], [0, 1], [-1, 0], [0, -1], [1, 0]])
    ax.fill(diamond[:, 0], diamond[:, 1], color=PALETTE["l1"], alpha=0.2)
    ax.plot(diamond[:, 0], diamond[:, 1], color=PALETTE["l1"], linestyle="--",
            label=r"L1 diamond $\|w\|_1 \leq t$")
    for p, role, name in ((2, "l2", "ridge"), (1, "l1", "lasso")):
        w = sol[p]
        level = (w - centre) @ A @ (w - centre)
        ax.contour(G1, G2, Z, levels=[level], colors=PALETTE[role], linewidths=1.2)
        ax.plot(*w, "o", color=PALETTE[role], markersize=8, markeredgecolor="black",
                label=f"{name} solution ({w[0]:.2f}, {w[1]:.2f})")
    ax.plot(*centre, "*", color=PALETTE["model"], markersize=12, label="least squares")
    ax.axhline(0, color=PALETTE["neutral"], linewidth=0.6)
    ax.axvline(0, color=PALETTE["neutral"], linewidth=0.6)
    ax.set_aspect("equal")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.legend(loc="lower left", fontsize=8)
    return ax, {"l1": sol[1], "l2": sol[2]}


def animate_ridge_shrinkage(x, y, degree, lams, *, x_grid=None, dpi=60):
    """Animation of a polynomial ridge fit and its coefficients as ``lam`` grows.

    Left: the data (dots) and the degree-``degree`` fit (line) at the current ``lam``; right: the
    coefficient paths against ``log10(lam)`` with a moving marker. Labels are plain text, which
    keeps rendering fast (about 0.1 s per frame at ``dpi=50``). Display it on a static page with
    ``l2course.plots.animation_html(anim, alt=...)`` (keep ``len(lams)`` to about 30 frames).

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Training data, ``x`` within [-1, 1].
    degree : int
        Polynomial degree (features from :func:`polynomial_design`).
    lams : array_like of shape (k,)
        Penalties in the course convention (``alpha = n * lam``), > 0, increasing.
    x_grid : array_like, optional
        Where to draw the fitted curve (default 200 points across the data).
    dpi : int, default 60

    Returns
    -------
    matplotlib.animation.FuncAnimation
        Its figure is closed, so it is not displayed twice.

    Examples
    --------
    >>> x = np.linspace(-1, 1, 8)
    >>> anim = animate_ridge_shrinkage(x, np.sin(3 * x), 5, [0.01, 0.1, 1.0])
    >>> html = anim.to_jshtml()
    >>> html.count("frames[2]"), "frames[3]" in html
    (1, False)
    """
    from matplotlib.animation import FuncAnimation

    X = polynomial_design(x, degree)
    X, y = as_design(X, y, finite=True)
    x = X[:, 0]
    lams = as_array(lams, "lams", ndim=1, finite=True)
    if np.any(lams <= 0):
        raise ValueError("lams must be > 0")
    n = len(y)
    W, b = ridge_path(X, y, n * lams)
    if x_grid is None:
        x_grid = np.linspace(x.min(), x.max(), 200)
    G = polynomial_design(x_grid, degree)
    curves = W @ G.T + b[:, None]
    fig, (ax_fit, ax_path) = plt.subplots(1, 2, figsize=(9.0, 3.6), dpi=dpi)
    ax_fit.scatter(x, y, color=PALETTE["data"], s=30, zorder=3)
    (line,) = ax_fit.plot(x_grid, curves[0], color=PALETTE["model"])
    span = y.max() - y.min()
    ax_fit.set_ylim(y.min() - 0.5 * span, y.max() + 0.5 * span)
    ax_fit.set_xlabel("x")
    ax_fit.set_ylabel("y")
    title = ax_fit.set_title("", fontsize=10)
    # A linear axis in log10(lam) with plain tick labels: mathtext tick labels (10^k) would be
    # laid out again on every frame and make the animation several times slower to render.
    log_lams = np.log10(lams)
    for j in range(W.shape[1]):
        ax_path.plot(log_lams, W[:, j], color=CYCLE[j % len(CYCLE)], linewidth=1.2)
    ax_path.set_xlabel("log10 of the penalty lambda")
    ax_path.set_ylabel("coefficients w_j")
    marker = ax_path.axvline(log_lams[0], color=PALETTE["accent"], linestyle="--")
    lim = 1.2 * np.abs(W[len(W) // 4 :]).max()  # the first frames' huge weights would flatten the rest
    ax_path.set_ylim(-lim, lim)
    for ax in (ax_fit, ax_path):
        ax.locator_params(nbins=5)
    title.set_text(f"lambda = {lams[0]:.2g},  ||w|| = {np.linalg.norm(W[0]):.3g}")
    fig.tight_layout()

    def update(i):
        line.set_ydata(curves[i])
        marker.set_xdata([log_lams[i], log_lams[i]])
        title.set_text(f"lambda = {lams[i]:.2g},  ||w|| = {np.linalg.norm(W[i]):.3g}")
        return line, marker, title

    anim = FuncAnimation(fig, update, frames=len(lams), interval=250, blit=False)
    plt.close(fig)
    return anim
