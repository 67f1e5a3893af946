"""Linear models fitted by minimizing the squared error: least squares, ridge, gradient descent."""

from typing import NamedTuple

import numpy as np

from ._validation import as_array, as_count, as_design, as_scalar

__all__ = ["LinearModel", "fit_least_squares", "fit_ridge", "gradient_descent"]


class LinearModel(NamedTuple):
    """A fitted linear model ``y_hat = X @ w + b``.

    Attributes
    ----------
    w : numpy.ndarray of shape (d,)
        Weights.
    b : float
        Intercept (0.0 when fitted without one).

    Examples
    --------
    >>> model = LinearModel(w=np.array([2.0, -1.0]), b=0.5)
    >>> model.predict([[1.0, 1.0], [0.0, 3.0]])
    array([ 1.5, -2.5])
    """

    w: np.ndarray
    b: float

    def predict(self, X):
        """Predictions ``X @ w + b`` for a design matrix ``X`` of shape (m, d).

        Examples
        --------
        >>> LinearModel(w=np.array([3.0]), b=1.0).predict([[0.0], [1.0]])
        array([1., 4.])
        """
        X = as_array(X, "X")
        if X.ndim != 2 or X.shape[1] != self.w.shape[0]:
            hint = " (for a single feature use X.reshape(-1, 1))" if X.ndim == 1 else ""
            raise ValueError(
                f"X must have shape (m, {self.w.shape[0]}) to match the model's weights; "
                f"got shape {X.shape}{hint}"
            )
        return X @ self.w + self.b


def _centre(X, y, fit_intercept):
    """Centred copies of X and y and the means that were removed (zeros without intercept)."""
    if fit_intercept:
        x_mean, y_mean = X.mean(axis=0), y.mean()
        return X - x_mean, y - y_mean, x_mean, y_mean
    return X, y, np.zeros(X.shape[1]), 0.0


def fit_least_squares(X, y, *, fit_intercept=True):
    """Ordinary least squares: the ``w``, ``b`` minimizing ``SSE = ||y - X w - b||**2``.

    The intercept is handled by centring: ``w`` solves the least-squares problem on the centred
    data and ``b = mean(y) - mean(X, axis=0) @ w``. The centred problem is solved with
    :func:`numpy.linalg.lstsq` (an SVD), never by inverting ``X.T @ X``, whose condition number
    is the square of ``X``'s. When the centred ``X`` is rank deficient (e.g. ``n <= d`` or
    duplicated columns) ``w`` is the minimum-norm minimizer, as in scikit-learn's
    ``LinearRegression``.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, finite.
    y : array_like of shape (n,)
        Targets, finite.
    fit_intercept : bool, default True
        Whether to fit ``b`` (otherwise ``b = 0``).

    Returns
    -------
    LinearModel

    Examples
    --------
    Points on the line ``y = 1 + 2 x`` are fitted exactly:

    >>> model = fit_least_squares([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    >>> np.round(model.w, 10), round(model.b, 10)
    (array([2.]), 1.0)
    """
    X, y = as_design(X, y, finite=True)
    Xc, yc, x_mean, y_mean = _centre(X, y, fit_intercept)
    w = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    return LinearModel(w=w, b=float(y_mean - x_mean @ w))


def fit_ridge(X, y, alpha, *, fit_intercept=True):
    """Ridge regression, scikit-learn's ``Ridge`` objective.

    Minimizes ``||y - X w - b||**2 + alpha * ||w||**2``: an SSE (not an MSE) plus the penalty,
    with the intercept ``b`` *not* penalized. In the course's convention
    ``J = MSE + lam * ||w||**2`` this is ``alpha = n * lam``.

    With the centred data ``Xc = U diag(s) Vt`` (thin SVD) and ``yc``::

        w = Vt.T @ diag(s / (s**2 + alpha)) @ U.T @ yc,    b = mean(y) - mean(X, axis=0) @ w

    which works for ``n < d`` and for ``alpha = 0``; then the singular values below
    ``max(n, d) * eps * s[0]`` are treated as zero, as :func:`numpy.linalg.lstsq` does, and
    ``w`` is the minimum-norm least-squares solution.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, finite. Standardize the columns first if they have different units:
        the penalty treats all weights alike.
    y : array_like of shape (n,)
        Targets, finite.
    alpha : float
        Penalty strength, finite and >= 0.
    fit_intercept : bool, default True
        Whether to fit an (unpenalized) intercept.

    Returns
    -------
    LinearModel

    Examples
    --------
    One centred feature with ``x @ x = 2`` and ``x @ y = 2``: ``w = 2 / (2 + alpha)``.

    >>> X, y = [[-1.0], [0.0], [1.0]], [-1.0, 0.0, 1.0]
    >>> fit_ridge(X, y, alpha=2.0).w
    array([0.5])
    >>> fit_ridge(X, y, alpha=0.0).w
    array([1.])
    """
    X, y = as_design(X, y, finite=True)
    alpha = as_scalar(alpha, "alpha", minimum=0)
    Xc, yc, x_mean, y_mean = _centre(X, y, fit_intercept)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    if alpha > 0:
        shrink = s / (s**2 + alpha)
    else:
        cutoff = max(Xc.shape) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
        keep = s > cutoff
        shrink = np.zeros_like(s)
        shrink[keep] = 1.0 / s[keep]
    w = Vt.T @ (shrink * (U.T @ yc))
    return LinearModel(w=w, b=float(y_mean - x_mean @ w))


def gradient_descent(grad, x0, *, lr, n_steps, tol=None):
    """Plain gradient descent ``x <- x - lr * grad(x)``, returning the whole path.

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns the gradient at ``x``, an array of ``x0``'s shape. It receives a
        copy of the iterate, so modifying its argument cannot corrupt the path.
    x0 : array_like
        Starting point, of any shape.
    lr : float
        Learning rate (step size) ``eta``, finite and > 0. For the MSE of a linear model the
        iteration converges when ``lr < 2 / lambda_max(H)`` with ``H = (2/n) X.T @ X``, and
        diverges above.
    n_steps : int
        Maximum number of steps, >= 0.
    tol : float, optional
        Stop as soon as the gradient's Euclidean norm is below ``tol`` (before stepping).

    Returns
    -------
    path : numpy.ndarray of shape (k + 1, *x0.shape)
        ``path[0]`` is ``x0`` and ``path[j]`` the j-th iterate, ``k <= n_steps`` steps in all.
        The descent also stops at the first non-finite iterate (divergence); that iterate is
        the last row of the path. Overflow warnings from NumPy are silenced meanwhile.

    Examples
    --------
    Minimize ``(x - 3)**2``, whose gradient is ``2 (x - 3)``:

    >>> path = gradient_descent(lambda x: 2 * (x - 3), 0.0, lr=0.25, n_steps=3)
    >>> path
    array([0.   , 1.5  , 2.25 , 2.625])
    >>> len(gradient_descent(lambda x: 2 * (x - 3), 0.0, lr=0.5, n_steps=10, tol=1e-9))
    2
    """
    if not callable(grad):
        raise TypeError(
            f"grad must be a callable returning the gradient; got {type(grad).__name__}"
        )
    x = as_array(x0, "x0").copy()
    lr = as_scalar(lr, "lr", minimum=0, strict=True)
    n_steps = as_count(n_steps, "n_steps")
    if tol is not None:
        tol = as_scalar(tol, "tol", minimum=0)
    path = [x]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            g = as_array(grad(x.copy()), "the value returned by grad")
            if g.shape != x.shape:
                raise ValueError(
                    f"grad must return an array of shape {x.shape} (the shape of x0); "
                    f"got shape {g.shape}"
                )
            if tol is not None and np.linalg.norm(g) < tol:
                break
            x = x - lr * g
            path.append(x)
            if not np.all(np.isfinite(x)):
                break
    return np.stack(path)
