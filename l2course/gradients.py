"""Gradients of the mean squared error, and a finite-difference gradient checker."""

import numpy as np

from ._validation import as_array, as_design, as_pair, as_scalar

__all__ = ["mse_grad", "linear_mse_grad", "numerical_gradient"]


def mse_grad(y, y_hat):
    """Gradient of the MSE with respect to the predictions, ``(2/n) (y_hat - y)``.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions; ``n`` is the number of elements.

    Returns
    -------
    numpy.ndarray
        Same shape as the inputs.

    Examples
    --------
    >>> mse_grad([0, 0, 0, 0], [1, 2, 3, 4])
    array([0.5, 1. , 1.5, 2. ])
    """
    y, y_hat = as_pair(y, y_hat)
    return (2.0 / y.size) * (y_hat - y)


def linear_mse_grad(X, y, w, b=0.0):
    """Gradient of ``MSE(y, X @ w + b)`` with respect to the weights and the intercept.

    With the residuals of the model ``r = y - (X @ w + b)`` (target minus prediction)::

        grad_w = -(2/n) X.T @ r        grad_b = -(2/n) sum(r)

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix.
    y : array_like of shape (n,)
        Targets.
    w : array_like of shape (d,)
        Weights.
    b : float, default 0.0
        Intercept.

    Returns
    -------
    grad_w : numpy.ndarray of shape (d,)
    grad_b : float

    Examples
    --------
    >>> X = [[1.0], [2.0]]
    >>> linear_mse_grad(X, [1.0, 2.0], [1.0])  # a perfect fit: zero gradient
    (array([0.]), 0.0)
    >>> linear_mse_grad(X, [1.0, 2.0], [0.0], b=1.0)  # r = [0, 1]
    (array([-2.]), -1.0)
    """
    X, y = as_design(X, y)
    w = as_array(w, "w", ndim=1)
    if w.shape != (X.shape[1],):
        raise ValueError(
            f"w has shape {w.shape} but X has {X.shape[1]} columns; expected shape ({X.shape[1]},)"
        )
    b = as_array(b, "b", ndim=0)
    residual = y - (X @ w + b)
    n = y.shape[0]
    return -(2.0 / n) * (X.T @ residual), float(-(2.0 / n) * residual.sum())


def numerical_gradient(f, x, *, h=1e-6):
    """Central-difference estimate of the gradient of a scalar function.

    For every entry ``x_i`` of ``x``::

        g_i = (f(x + h u_i) - f(x - h u_i)) / (2 h)

    where ``e_i`` is the unit array at entry ``i``. The denominator is the step actually taken,
    ``(x_i + h) - (x_i - h)`` in floating point, which equals ``2 h`` in exact arithmetic and
    removes one source of round-off. The error is O(h**2) for smooth ``f``, and zero (up to
    round-off) for a quadratic, which is why checking the MSE alone proves little: check a
    non-quadratic loss too.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar; it receives a float array of ``x``'s shape (a fresh copy, so
        it may not be kept between calls).
    x : array_like
        The point, of any shape.
    h : float, default 1e-6
        Step size, finite and > 0. It must be large enough to change every entry of ``x``
        (ValueError otherwise). A NaN entry of ``x`` gives NaN in the result.

    Returns
    -------
    numpy.ndarray
        The gradient estimate, with the shape of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> g = numerical_gradient(lambda v: np.sum(v ** 3), [1.0, 2.0])  # exact: 3 v**2
    >>> np.round(g, 6)
    array([ 3., 12.])
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a scalar; got {type(f).__name__}")
    x = as_array(x, "x")
    h = as_scalar(h, "h", minimum=0, strict=True)
    grad = np.empty_like(x)
    for i in range(x.size):
        x_plus = x.copy()
        x_plus.flat[i] += h
        x_minus = x.copy()
        x_minus.flat[i] -= h
        step = x_plus.flat[i] - x_minus.flat[i]
        if step == 0:
            raise ValueError(
                f"h = {h} is too small for x.flat[{i}] = {x.flat[i]}: x + h and x - h are "
                f"the same floating-point number; use a larger h"
            )
        grad.flat[i] = (_scalar(f(x_plus)) - _scalar(f(x_minus))) / step
    return grad


def _scalar(value):
    """The scalar returned by the function under test, or a clear error."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise ValueError(
            f"f must return a single real number; got {type(value).__name__} with shape {arr.shape}"
        )
    return float(arr.reshape(()))
