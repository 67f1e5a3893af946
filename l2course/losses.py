"""Loss functions: the squared (L2) loss, its reductions, and two robust alternatives.

Notation (see the course's notation page): ``y`` are the targets, ``y_hat`` the predictions,
``r = y - y_hat`` the residuals. Every function accepts array_like inputs of any shape, as long
as ``y`` and ``y_hat`` have *the same* shape; integer and bool input is computed in float64.
For inputs with more than one dimension the means run over *all* elements, and
``sample_weight`` (shape ``(n,)``) weights the rows, i.e. the first axis.
"""

import numpy as np

from ._validation import as_pair, as_scalar, as_weights

__all__ = ["squared_error", "sse", "mse", "rmse", "l2_loss", "mae", "huber"]

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction):
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        choices = ", ".join(repr(c) for c in _REDUCTIONS)
        raise ValueError(f"reduction must be one of {choices}; got {reduction!r}")
    return reduction


def _weights_for(y, sample_weight):
    """Validated row weights for targets ``y`` (None when no weights are given)."""
    if sample_weight is None:
        return None
    if y.ndim == 0:
        raise ValueError(
            "sample_weight needs y and y_hat with at least one dimension (one weight per row); "
            "got scalars"
        )
    return as_weights(sample_weight, y.shape[0])


def _weighted_sum(per_element, w):
    """Sum_i w_i * (sum of row i of ``per_element``)."""
    if per_element.ndim == 1:
        return float(np.dot(w, per_element))
    rows = per_element.reshape(per_element.shape[0], -1)
    return float(np.dot(w, rows.sum(axis=1)))


def _weighted_mean(per_element, w):
    """Weighted mean over all elements, every element of row i carrying weight w_i."""
    per_row = per_element.size // per_element.shape[0]
    return _weighted_sum(per_element, w) / (per_row * float(w.sum()))


def _residual(y, y_hat):
    """A new array ``y - y_hat`` (an array even for 0-d inputs, so it can be updated in place)."""
    return np.subtract(y, y_hat, out=np.empty(y.shape))


def squared_error(y, y_hat):
    """Per-example squared error, the L2 loss of each prediction.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions. Integer input is converted to float (no overflow).

    Returns
    -------
    numpy.ndarray
        ``(y - y_hat) ** 2``, with the shape of the inputs.

    Examples
    --------
    Three houses, prices in dollars; the losses are in dollars squared:

    >>> squared_error([200_000, 400_000, 300_000], [220_000, 385_000, 305_000])
    array([4.00e+08, 2.25e+08, 2.50e+07])
    """
    y, y_hat = as_pair(y, y_hat)
    r = _residual(y, y_hat)
    return np.multiply(r, r, out=r)


def sse(y, y_hat, *, sample_weight=None):
    """Sum of squared errors, ``SSE = sum_i w_i (y_i - y_hat_i)**2 = ||y - y_hat||_2**2``.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions.
    sample_weight : array_like of shape (n,), optional
        Non-negative row weights (default: all ones).

    Returns
    -------
    float

    Examples
    --------
    >>> sse([1, 2, 3], [1, 4, 0])
    13.0
    >>> sse([1, 2, 3], [1, 4, 0], sample_weight=[1, 2, 0])
    8.0
    """
    y, y_hat = as_pair(y, y_hat)
    w = _weights_for(y, sample_weight)
    r = _residual(y, y_hat).ravel()
    if w is None:
        return float(np.dot(r, r))
    return _weighted_sum(np.multiply(r, r, out=r).reshape(y.shape), w)


def mse(y, y_hat, *, sample_weight=None):
    """Mean squared error, ``MSE = SSE / n`` (the usual cost), or its weighted mean.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions. For 2-D input the mean runs over all elements, like
        ``torch.nn.MSELoss()`` and scikit-learn's ``multioutput="uniform_average"``.
    sample_weight : array_like of shape (n,), optional
        Non-negative row weights; the result is ``sum(w * loss) / sum(w)`` (each element of row
        ``i`` carrying weight ``w[i]``).

    Returns
    -------
    float

    Notes
    -----
    Unweighted, this computes one temporary ``r = y - y_hat`` and then ``r @ r / r.size``, so it
    needs no more memory, and no more time, than ``((y - y_hat) ** 2).mean()``.

    Examples
    --------
    >>> mse([10, 11, 12, 13], [10, 12, 14, 11])
    2.25
    >>> mse([10, 11, 12, 13], [10, 12, 14, 11], sample_weight=[1, 1, 0, 0])
    0.5
    """
    y, y_hat = as_pair(y, y_hat)
    w = _weights_for(y, sample_weight)
    r = _residual(y, y_hat).ravel()
    if w is None:
        return float(np.dot(r, r) / r.size)
    return _weighted_mean(np.multiply(r, r, out=r).reshape(y.shape), w)


def rmse(y, y_hat, *, sample_weight=None):
    """Root mean squared error, ``RMSE = sqrt(MSE)``, in the units of ``y``.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions. For 2-D input this is the square root of the MSE over all
        elements (scikit-learn's ``root_mean_squared_error`` instead averages per-column RMSEs).
    sample_weight : array_like of shape (n,), optional
        Non-negative row weights.

    Returns
    -------
    float

    Examples
    --------
    Three houses: the RMSE is in dollars, like the prices.

    >>> round(rmse([200_000, 400_000, 300_000], [220_000, 385_000, 305_000]), 2)
    14719.6
    """
    return float(np.sqrt(mse(y, y_hat, sample_weight=sample_weight)))


def l2_loss(y, y_hat, reduction="mean"):
    """The L2 (squared) loss with a choice of reduction, like ``torch.nn.MSELoss``.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions.
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"`` gives the MSE over all elements, ``"sum"`` the SSE and ``"none"`` the
        per-element squared errors.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"`` and ``"sum"``; an array of the inputs' shape for ``"none"``.

    Examples
    --------
    >>> l2_loss([0, 0], [1, 3])
    5.0
    >>> l2_loss([0, 0], [1, 3], reduction="sum")
    10.0
    >>> l2_loss([0, 0], [1, 3], reduction="none")
    array([1., 9.])
    """
    _check_reduction(reduction)
    if reduction == "mean":
        return mse(y, y_hat)
    if reduction == "sum":
        return sse(y, y_hat)
    return squared_error(y, y_hat)


def mae(y, y_hat, *, sample_weight=None):
    """Mean absolute error (the L1 cost), ``mean_i |y_i - y_hat_i|``, or its weighted mean.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions; for 2-D input the mean runs over all elements.
    sample_weight : array_like of shape (n,), optional
        Non-negative row weights.

    Returns
    -------
    float

    Examples
    --------
    >>> mae([10, 11, 12, 13], [10, 12, 14, 11])
    1.25
    """
    y, y_hat = as_pair(y, y_hat)
    w = _weights_for(y, sample_weight)
    r = _residual(y, y_hat)
    a = np.abs(r, out=r)
    if w is None:
        return float(a.mean())
    return _weighted_mean(a, w)


def huber(y, y_hat, *, delta=1.0, reduction="mean"):
    """Huber loss: quadratic for small residuals, linear for large ones.

    Per element, with ``r = y - y_hat``::

        huber(r) = r**2 / 2                    if |r| <= delta
                   delta * (|r| - delta / 2)   otherwise

    The two pieces meet with equal value and slope at ``|r| = delta``. Near zero it is *half*
    the squared error (the ½ convention), so its derivative there is ``r``, not ``2 r``.

    Parameters
    ----------
    y, y_hat : array_like of the same shape
        Targets and predictions.
    delta : float, default 1.0
        Threshold between the quadratic and the linear part; must be finite and > 0.
    reduction : {"mean", "sum", "none"}, default "mean"
        Mean over all elements, sum, or the per-element losses.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> huber([0, 0, 0], [0.5, 1, 3], reduction="none")
    array([0.125, 0.5  , 2.5  ])
    >>> huber([0, 0, 0], [0.5, 1, 3], delta=2.0, reduction="sum")
    4.625
    """
    _check_reduction(reduction)
    delta = as_scalar(delta, "delta", minimum=0, strict=True)
    y, y_hat = as_pair(y, y_hat)
    r = y - y_hat
    a = np.abs(r)
    loss = np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
    if reduction == "none":
        return loss
    if reduction == "sum":
        return float(loss.sum())
    return float(loss.mean())
