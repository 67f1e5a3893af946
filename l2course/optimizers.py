"""Optimizers beyond plain gradient descent, for the section on optimizers and the scale of the loss.

What :mod:`l2course.descent` and :mod:`l2course.regularization` already have is used, not repeated:
plain gradient descent (:func:`l2course.gradient_descent`, :func:`l2course.descent.linear_gd`), the
Hessian of a linear model's cost (:func:`l2course.descent.cost_hessian`) and Adam
(:func:`l2course.regularization.adam_l2` with ``lam=0``). This module adds:

* :func:`heavy_ball` and :func:`nesterov` -- Polyak's and Nesterov's momentum methods;
* :func:`heavy_ball_tuning` and :func:`nesterov_tuning` -- their standard parameters on a quadratic with
  Hessian eigenvalues in ``[mu_min, mu_max]``, and the rate each promises;
* :func:`companion_spectral_radius` -- the asymptotic rate of GD, heavy ball or Nesterov on a quadratic,
  from the eigenvalues of the 2 x 2 companion matrix of each eigen-direction;
* :func:`rmsprop` -- RMSProp (Adam without the first moment and the bias corrections);
* :func:`sgd_chains` -- independent chains of single-example SGD with sampling *with replacement* and a
  constant or scheduled learning rate, and :func:`robbins_monro_lr`, a schedule ``lr0 / (1 + k / k0)``;
* :func:`sgd_stationary_excess` -- the exact stationary mean excess MSE of constant-step SGD on least
  squares, and its first-order approximation ``lr * tr(S) / 4``.
"""

from collections import namedtuple

import numpy as np

from ._validation import as_array, as_count, as_design, as_scalar

__all__ = [
    "Tuning",
    "heavy_ball",
    "nesterov",
    "heavy_ball_tuning",
    "nesterov_tuning",
    "companion_spectral_radius",
    "rmsprop",
    "robbins_monro_lr",
    "sgd_chains",
    "sgd_stationary_excess",
]

Tuning = namedtuple("Tuning", ["lr", "momentum", "rate"])
Tuning.__doc__ = "Parameters of a method and the asymptotic rate they promise on a quadratic."


def _check_grad(grad, x):
    g = as_array(grad(x.copy()), "the value returned by grad")
    if g.shape != x.shape:
        raise ValueError(f"grad must return an array of shape {x.shape}; got shape {g.shape}")
    return g


def _momentum_inputs(grad, x0, lr, momentum, n_steps):
    if not callable(grad):
        raise TypeError(f"grad must be a callable; got {type(grad).__name__}")
    x = as_array(x0, "x0").copy()
    lr = as_scalar(lr, "lr", minimum=0, strict=True)
    momentum = as_scalar(momentum, "momentum", minimum=0)
    if momentum >= 1:
        raise ValueError(f"momentum must lie in [0, 1); got {momentum!r}")
    return x, lr, momentum, as_count(n_steps, "n_steps")


def heavy_ball(grad, x0, *, lr, momentum, n_steps):
    """Polyak's heavy-ball method ``x_{k+1} = x_k - lr grad(x_k) + momentum (x_k - x_{k-1})``.

    The first step (``x_{-1} = x_0``) is a plain gradient step. ``momentum = 0`` is gradient descent.

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns the gradient at ``x`` (it receives a copy), an array of ``x0``'s shape.
    x0 : array_like
        Starting point.
    lr : float
        Learning rate, > 0.
    momentum : float
        Momentum ``beta_m`` in [0, 1).
    n_steps : int
        Number of steps, >= 0.

    Returns
    -------
    numpy.ndarray of shape (n_steps + 1, *x0.shape)
        The path, ``x0`` first.

    Examples
    --------
    On ``x**2`` (gradient ``2 x``) from 1 with ``lr = 0.25``, ``momentum = 0.5``: ``0.5``, then
    ``0.5 - 0.25 + 0.5 * (0.5 - 1) = 0``.

    >>> heavy_ball(lambda x: 2 * x, [1.0], lr=0.25, momentum=0.5, n_steps=2).ravel()
    array([1. , 0.5, 0. ])
    """
    x, lr, momentum, n_steps = _momentum_inputs(grad, x0, lr, momentum, n_steps)
    previous = x
    path = [x]
    for _ in range(n_steps):
        x, previous = x - lr * _check_grad(grad, x) + momentum * (x - previous), x
        path.append(x)
    return np.stack(path)


def nesterov(grad, x0, *, lr, momentum, n_steps):
    """Nesterov's accelerated gradient with constant momentum.

    ``y_k = x_k + momentum (x_k - x_{k-1})`` and ``x_{k+1} = y_k - lr grad(y_k)``: the gradient is
    taken at the extrapolated point, not at ``x_k``. The first step (``x_{-1} = x_0``) is a plain
    gradient step.

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns the gradient at ``x`` (it receives a copy), an array of ``x0``'s shape.
    x0 : array_like
        Starting point.
    lr : float
        Learning rate, > 0.
    momentum : float
        Momentum ``beta_m`` in [0, 1).
    n_steps : int
        Number of steps, >= 0.

    Returns
    -------
    numpy.ndarray of shape (n_steps + 1, *x0.shape)
        The path ``x_0, x_1, ...`` (not the extrapolated points).

    Examples
    --------
    On ``x**2`` from 1 with ``lr = 0.25``, ``momentum = 0.5``: ``x_1 = 0.5``, then
    ``y_1 = 0.25`` and ``x_2 = 0.25 - 0.25 * 0.5 = 0.125``.

    >>> nesterov(lambda x: 2 * x, [1.0], lr=0.25, momentum=0.5, n_steps=2).ravel()
    array([1.   , 0.5  , 0.125])
    """
    x, lr, momentum, n_steps = _momentum_inputs(grad, x0, lr, momentum, n_steps)
    previous = x
    path = [x]
    for _ in range(n_steps):
        ahead = x + momentum * (x - previous)
        x, previous = ahead - lr * _check_grad(grad, ahead), x
        path.append(x)
    return np.stack(path)


def _spectrum(mu_min, mu_max):
    mu_min = as_scalar(mu_min, "mu_min", minimum=0, strict=True)
    mu_max = as_scalar(mu_max, "mu_max", minimum=0, strict=True)
    if mu_max < mu_min:
        raise ValueError(f"mu_max must be >= mu_min = {mu_min}; got {mu_max}")
    return mu_min, mu_max


def heavy_ball_tuning(mu_min, mu_max):
    """Polyak's optimal heavy-ball parameters for a quadratic with Hessian eigenvalues in ``[mu_min, mu_max]``.

    ``lr = 4 / (sqrt(mu_max) + sqrt(mu_min))**2``, ``momentum = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))**2``
    and the asymptotic rate ``(sqrt(kappa) - 1) / (sqrt(kappa) + 1)``, with ``kappa = mu_max / mu_min``.

    Parameters
    ----------
    mu_min, mu_max : float
        Smallest and largest Hessian eigenvalue, ``0 < mu_min <= mu_max``.

    Returns
    -------
    Tuning
        ``(lr, momentum, rate)``.

    Examples
    --------
    ``kappa = 4``: ``sqrt(kappa) = 2``, so the rate is ``1/3`` and the momentum ``1/9``.

    >>> t = heavy_ball_tuning(1.0, 4.0)
    >>> round(t.lr, 12), round(t.momentum, 12), round(t.rate, 12)
    (0.444444444444, 0.111111111111, 0.333333333333)
    """
    mu_min, mu_max = _spectrum(mu_min, mu_max)
    root_kappa = np.sqrt(mu_max / mu_min)
    rate = float((root_kappa - 1) / (root_kappa + 1))
    lr = float(4.0 / (np.sqrt(mu_max) + np.sqrt(mu_min)) ** 2)
    return Tuning(lr, rate**2, rate)


def nesterov_tuning(mu_min, mu_max):
    """Nesterov's standard constant-step parameters for a ``mu_min``-strongly convex, ``mu_max``-smooth function.

    ``lr = 1 / mu_max`` and ``momentum = (sqrt(kappa) - 1) / (sqrt(kappa) + 1)``; the rate promised
    (and, on a quadratic, attained asymptotically along the ``mu_min`` direction) is
    ``1 - 1 / sqrt(kappa)``.

    Parameters
    ----------
    mu_min, mu_max : float
        ``0 < mu_min <= mu_max``.

    Returns
    -------
    Tuning
        ``(lr, momentum, rate)``.

    Examples
    --------
    >>> nesterov_tuning(1.0, 4.0)
    Tuning(lr=0.25, momentum=0.3333333333333333, rate=0.5)
    """
    mu_min, mu_max = _spectrum(mu_min, mu_max)
    root_kappa = float(np.sqrt(mu_max / mu_min))
    return Tuning(1.0 / mu_max, (root_kappa - 1) / (root_kappa + 1), 1.0 - 1.0 / root_kappa)


def companion_spectral_radius(mu, *, lr, momentum=0.0, method="heavy_ball"):
    """Asymptotic rate of a momentum method on a quadratic with Hessian eigenvalues ``mu``.

    Along the eigenvector of eigenvalue ``mu_j`` the error ``Delta_k`` of the iterate obeys a
    two-term recursion ``Delta_{k+1} = a_j Delta_k - c_j Delta_{k-1}``, i.e. ``(Delta_{k+1}, Delta_k) =
    M_j (Delta_k, Delta_{k-1})`` with the companion matrix ``M_j = [[a_j, -c_j], [1, 0]]``:

    * ``"heavy_ball"``: ``a_j = 1 + momentum - lr mu_j``, ``c_j = momentum``;
    * ``"nesterov"``: ``a_j = (1 + momentum)(1 - lr mu_j)``, ``c_j = momentum (1 - lr mu_j)``.

    The rate is the largest modulus of the eigenvalues of all ``M_j`` (computed here with
    :func:`numpy.linalg.eigvals`, not from a closed form). With ``momentum = 0`` both are gradient
    descent, rate ``max_j |1 - lr mu_j|``.

    Parameters
    ----------
    mu : array_like of shape (m,)
        Hessian eigenvalues, >= 0.
    lr : float
        > 0.
    momentum : float, default 0
        In [0, 1).
    method : {"heavy_ball", "nesterov"}

    Returns
    -------
    float

    Examples
    --------
    Gradient descent with ``lr = 2 / (mu_min + mu_max)`` contracts by ``(kappa - 1) / (kappa + 1)``:

    >>> round(companion_spectral_radius([1.0, 4.0], lr=0.4), 12)
    0.6
    """
    mu = as_array(mu, "mu", ndim=1, finite=True)
    if np.any(mu < 0):
        raise ValueError("mu must hold non-negative eigenvalues of a Hessian")
    lr = as_scalar(lr, "lr", minimum=0, strict=True)
    momentum = as_scalar(momentum, "momentum", minimum=0)
    if method == "heavy_ball":
        a, c = 1 + momentum - lr * mu, np.full_like(mu, momentum)
    elif method == "nesterov":
        a, c = (1 + momentum) * (1 - lr * mu), momentum * (1 - lr * mu)
    else:
        raise ValueError(f"method must be 'heavy_ball' or 'nesterov'; got {method!r}")
    M = np.zeros((mu.size, 2, 2))
    M[:, 0, 0], M[:, 0, 1], M[:, 1, 0] = a, -c, 1.0
    return float(np.abs(np.linalg.eigvals(M)).max())


def rmsprop(grad, x0, *, lr, n_steps, decay=0.99, eps=1e-8):
    """RMSProp: ``v <- decay v + (1 - decay) g**2`` and ``x <- x - lr g / (sqrt(v) + eps)``.

    No bias correction and no first moment, as in ``torch.optim.RMSprop`` with its defaults
    (``alpha = decay = 0.99``, ``eps = 1e-8``, ``centered=False``, ``momentum=0``). Scaling the loss by
    ``c > 0`` scales ``g`` by ``c`` and ``sqrt(v)`` by ``c``: the iterates for ``(c * loss, eps)`` equal
    those for ``(loss, eps / c)`` exactly (up to rounding).

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns the gradient at ``x`` (a copy), an array of ``x0``'s shape.
    x0 : array_like
    lr : float
        > 0.
    n_steps : int
        >= 0.
    decay : float, default 0.99
        In [0, 1).
    eps : float, default 1e-8
        >= 0.

    Returns
    -------
    numpy.ndarray of shape (n_steps + 1, *x0.shape)

    Examples
    --------
    The first step is ``lr * g / (sqrt(0.01) |g|) = 10 lr`` against the sign of each coordinate:

    >>> path = rmsprop(lambda x: np.array([5.0, -0.2]), [0.0, 0.0], lr=0.01, n_steps=1, eps=0.0)
    >>> np.round(path[1], 12)
    array([-0.1,  0.1])
    """
    if not callable(grad):
        raise TypeError(f"grad must be a callable; got {type(grad).__name__}")
    x = as_array(x0, "x0").copy()
    lr = as_scalar(lr, "lr", minimum=0, strict=True)
    n_steps = as_count(n_steps, "n_steps")
    decay = as_scalar(decay, "decay", minimum=0)
    if decay >= 1:
        raise ValueError(f"decay must lie in [0, 1); got {decay!r}")
    eps = as_scalar(eps, "eps", minimum=0)
    v = np.zeros_like(x)
    path = [x]
    for _ in range(n_steps):
        g = _check_grad(grad, x)
        v = decay * v + (1 - decay) * g * g
        x = x - lr * g / (np.sqrt(v) + eps)
        path.append(x)
    return np.stack(path)


def robbins_monro_lr(lr0, k0, n_steps):
    """The step sizes ``lr_k = lr0 / (1 + k / k0)`` for ``k = 0, ..., n_steps - 1``.

    They satisfy the Robbins--Monro conditions: ``sum lr_k`` diverges (like ``lr0 k0 log k``) and
    ``sum lr_k**2`` converges.

    Parameters
    ----------
    lr0 : float
        First step, > 0.
    k0 : float
        Number of steps over which the rate halves the first time, > 0.
    n_steps : int
        >= 0.

    Returns
    -------
    numpy.ndarray of shape (n_steps,)

    Examples
    --------
    >>> np.round(robbins_monro_lr(1.0, 2, 5), 2)
    array([1.  , 0.67, 0.5 , 0.4 , 0.33])
    """
    lr0 = as_scalar(lr0, "lr0", minimum=0, strict=True)
    k0 = as_scalar(k0, "k0", minimum=0, strict=True)
    n_steps = as_count(n_steps, "n_steps")
    return lr0 / (1.0 + np.arange(n_steps) / k0)


def sgd_chains(X, y, *, lr, n_steps, n_chains, w0=None, seed=0):
    """Independent chains of single-example SGD on ``MSE(y, X w)``, examples drawn with replacement.

    At step ``k`` each chain draws ``i`` uniformly from ``range(n)``, independently of everything
    before (all draws are ``default_rng(seed).integers(n, size=(n_steps, n_chains))``), and takes
    ``w <- w - lr_k 2 x_i (x_i @ w - y_i)``, an unbiased estimate of the full gradient step.
    (:func:`l2course.descent.sgd` shuffles once per epoch instead; its noise is not independent
    from step to step.) No intercept: append a column of ones to ``X`` for one.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    lr : float or array_like of shape (n_steps,)
        A constant learning rate, or one per step (e.g. :func:`robbins_monro_lr`), all > 0.
    n_steps : int
        >= 0.
    n_chains : int
        Number of independent chains, >= 1.
    w0 : array_like of shape (d,), optional
        Common start (zeros by default).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    numpy.ndarray of shape (n_steps + 1, n_chains, d)
        Every iterate of every chain, ``w0`` first.

    Examples
    --------
    With one example the gradient is exact, so every chain is gradient descent:

    >>> sgd_chains([[1.0]], [3.0], lr=0.25, n_steps=2, n_chains=2)[:, :, 0]
    array([[0.  , 0.  ],
           [1.5 , 1.5 ],
           [2.25, 2.25]])
    """
    X, y = as_design(X, y, finite=True)
    n, d = X.shape
    n_steps = as_count(n_steps, "n_steps")
    n_chains = as_count(n_chains, "n_chains", minimum=1)
    if np.ndim(lr) == 0:
        lrs = np.full(n_steps, as_scalar(lr, "lr", minimum=0, strict=True))
    else:
        lrs = as_array(lr, "lr", ndim=1, finite=True)
        if lrs.shape != (n_steps,) or np.any(lrs <= 0):
            raise ValueError(
                f"lr must be a number > 0 or {n_steps} numbers > 0 (one per step); "
                f"got an array of shape {lrs.shape}"
            )
    w = np.zeros(d) if w0 is None else as_array(w0, "w0", ndim=1, finite=True)
    if w.shape != (d,):
        raise ValueError(f"w0 has shape {w.shape}; expected ({d},)")
    W = np.tile(w, (n_chains, 1))
    draws = np.random.default_rng(seed).integers(n, size=(n_steps, n_chains))
    path = np.empty((n_steps + 1, n_chains, d))
    path[0] = W
    for k in range(n_steps):
        X_k = X[draws[k]]
        residual = np.einsum("cj,cj->c", X_k, W) - y[draws[k]]
        W = W - (2.0 * lrs[k]) * residual[:, None] * X_k
        path[k + 1] = W
    return path


def sgd_stationary_excess(X, y, lr):
    """Stationary mean excess MSE of constant-step single-example SGD (with replacement) on least squares.

    With ``A_i = 2 x_i x_i.T``, the per-example gradients at the least-squares solution ``w*``,
    ``g_i = 2 x_i (x_i @ w* - y_i)``, and ``S = mean_i g_i g_i.T``, the error ``Delta_k = w_k - w*``
    has a stationary second moment ``C`` solving the linear equation
    ``C = mean_i (I - lr A_i) C (I - lr A_i) + lr**2 S``, and the mean excess MSE is
    ``tr(H C) / 2`` with ``H = mean_i A_i``. For small ``lr``, ``C`` is ``O(lr)`` and the excess is
    ``lr tr(S) / 4 + O(lr**2)``.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Full column rank.
    y : array_like of shape (n,)
    lr : float
        > 0, small enough for the second moment to stay bounded.

    Returns
    -------
    exact : float
        ``tr(H C) / 2``.
    first_order : float
        ``lr tr(S) / 4``.

    Examples
    --------
    Two examples with the same input 1 and targets 0 and 2: ``w* = 1``, ``g_i = +-2``, ``S = 4``,
    ``H = 2`` and ``C = 0.01**2 * 4 / (1 - 0.98**2)``, so the excess is ``C = 1/99``:

    >>> exact, first = sgd_stationary_excess([[1.0], [1.0]], [0.0, 2.0], 0.01)
    >>> round(first, 12), round(exact, 9), round(1 / 99, 9)
    (0.01, 0.010101010, 0.010101010)
    """
    X, y = as_design(X, y, finite=True)
    lr = as_scalar(lr, "lr", minimum=0, strict=True)
    n, d = X.shape
    w_star, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
    if rank < d:
        raise ValueError(f"X must have full column rank {d}; its rank is {rank}")
    G = 2.0 * X * (X @ w_star - y)[:, None]  # rows: g_i at w*
    S = G.T @ G / n
    H = 2.0 * X.T @ X / n
    eye = np.eye(d)
    B = eye[None] - lr * 2.0 * np.einsum("ij,ik->ijk", X, X)  # I - lr A_i
    # vec(B C B) = (B kron B) vec(C) for symmetric B
    T = np.einsum("iab,icd->acbd", B, B).reshape(d * d, d * d) / n
    if np.abs(np.linalg.eigvals(T)).max() >= 1:
        raise ValueError(f"lr = {lr} is too large: SGD's second moment has no stationary value")
    C = np.linalg.solve(np.eye(d * d) - T, lr**2 * S.reshape(-1)).reshape(d, d)
    return float(np.trace(H @ C) / 2), float(lr * np.trace(S) / 4)
