"""Input validation shared by every public function of :mod:`l2course`.

Every function in the package passes its array arguments through the helpers below, so that
mistakes are caught in one place and reported with the same kind of message: the message names
the offending argument and says what was expected.

The rules:

* numeric data (bool, integer, unsigned or float) is converted to ``float64``, so squaring integer
  prices cannot overflow;
* strings, ``None``, complex numbers and arbitrary objects raise :class:`TypeError`;
* ragged nested lists, empty arrays and arrays of the wrong dimension raise :class:`ValueError`;
* NaN and infinity pass through unchanged (they propagate to the result) unless a function
  documents otherwise.
"""

import numbers
import operator

import numpy as np

__all__ = ["as_array", "as_pair", "as_weights", "as_design", "as_scalar", "as_count"]

_NUMERIC_KINDS = "biuf"  # bool, signed int, unsigned int, float


def _describe(value):
    """Short human description of a value's type, for error messages."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    return f"a value of type {type(value).__name__}"


def as_array(value, name, *, ndim=None, finite=False):
    """Convert ``value`` to a float64 NumPy array, or explain why it cannot be.

    Parameters
    ----------
    value : array_like
        Numbers: a scalar, a (nested) list, or an array of bool, integer or float dtype.
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Required number of dimensions (one value, or a tuple of allowed values).
    finite : bool, default False
        If True, reject NaN and infinity. By default they pass through unchanged.

    Returns
    -------
    numpy.ndarray
        A float64 array (the input itself when it is already a float64 array, never a view
        with a different dtype).

    Raises
    ------
    TypeError
        If ``value`` is None, or holds strings, complex numbers or other non-numeric objects.
    ValueError
        If ``value`` is a ragged nested list, is empty, has the wrong number of dimensions, or
        (with ``finite=True``) holds NaN or infinity.

    Examples
    --------
    >>> as_array([1, 2, 3], "y")
    array([1., 2., 3.])
    >>> as_array(["1", "2"], "y")
    Traceback (most recent call last):
        ...
    TypeError: y must hold numbers (bool, int or float); got an array of dtype <U1
    """
    if value is None:
        raise TypeError(f"{name} must be an array of numbers; got None")
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # NumPy >= 1.24 refuses ragged nested sequences
        raise ValueError(
            f"{name} is ragged (its nested lists have different lengths); "
            f"pass a rectangular array of numbers"
        ) from exc
    except TypeError as exc:
        raise TypeError(f"{name} must be an array of numbers; got {_describe(value)}") from exc

    if arr.dtype.kind == "O":
        # An object array is acceptable only if every element is a real number
        # (e.g. Python ints too large for int64, or fractions.Fraction).
        for element in arr.flat:
            if not isinstance(element, numbers.Real):
                raise TypeError(
                    f"{name} must hold numbers (bool, int or float); "
                    f"found an element of type {type(element).__name__}"
                )
        arr = arr.astype(np.float64)
    elif arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(f"{name} must hold numbers (bool, int or float); got {_describe(arr)}")

    arr = arr.astype(np.float64, copy=False)

    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            wanted = " or ".join(f"{k}-D" for k in allowed)
            raise ValueError(
                f"{name} must be {wanted}; got a {arr.ndim}-D array of shape {arr.shape}"
            )
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one value")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers; found NaN or infinity")
    return arr


def _reshape_hint(a_name, a, b_name, b):
    """Suggest a fix when two arrays hold the same number of values in different shapes."""
    if a.size != b.size:
        return ""
    if a.ndim > b.ndim:
        return f" (did you mean {a_name}.ravel()?)" if b.ndim == 1 else ""
    if b.ndim > a.ndim:
        return f" (did you mean {b_name}.ravel()?)" if a.ndim == 1 else ""
    if a.ndim == 2 and b.shape == a.shape[::-1]:
        return f" (did you mean {b_name}.T?)"
    return ""


def as_pair(y, y_hat, *, names=("y", "y_hat")):
    """Validate targets and predictions: two float arrays of exactly the same shape.

    Arrays of different shapes are refused rather than broadcast: subtracting a (n,) array from
    a (n, 1) array would silently give an (n, n) matrix of "residuals".

    Parameters
    ----------
    y, y_hat : array_like
        Targets and predictions.
    names : tuple of str, default ("y", "y_hat")
        Argument names used in error messages.

    Returns
    -------
    y, y_hat : numpy.ndarray
        float64 arrays of the same shape.

    Raises
    ------
    TypeError, ValueError
        As :func:`as_array`; ValueError also when the shapes differ.

    Examples
    --------
    >>> as_pair([1, 2], [1.5, 2.5])
    (array([1., 2.]), array([1.5, 2.5]))
    >>> import numpy as np
    >>> as_pair(np.zeros((5, 1)), np.zeros(5))
    Traceback (most recent call last):
        ...
    ValueError: y has shape (5, 1) but y_hat has shape (5,); pass arrays of the same shape (did you mean y.ravel()?)
    """  # noqa: E501
    a_name, b_name = names
    y = as_array(y, a_name)
    y_hat = as_array(y_hat, b_name)
    if y.shape != y_hat.shape:
        raise ValueError(
            f"{a_name} has shape {y.shape} but {b_name} has shape {y_hat.shape}; "
            f"pass arrays of the same shape{_reshape_hint(a_name, y, b_name, y_hat)}"
        )
    return y, y_hat


def as_weights(sample_weight, n):
    """Validate per-example weights.

    Parameters
    ----------
    sample_weight : array_like of shape (n,) or None
        Non-negative, finite weights, not all zero. NaN is rejected here (a NaN weight would
        otherwise hide which example is at fault).
    n : int
        Number of examples (rows of the targets).

    Returns
    -------
    numpy.ndarray of shape (n,) or None
        ``None`` when ``sample_weight`` is None.

    Examples
    --------
    >>> as_weights([1, 0, 2], 3)
    array([1., 0., 2.])
    >>> as_weights(None, 3) is None
    True
    >>> as_weights([1, -1, 2], 3)
    Traceback (most recent call last):
        ...
    ValueError: sample_weight must be non-negative; found -1.0 at index 1
    """
    if sample_weight is None:
        return None
    w = as_array(sample_weight, "sample_weight", ndim=1)
    if w.shape != (n,):
        raise ValueError(
            f"sample_weight has shape {w.shape} but the targets have {n} rows; "
            f"expected shape ({n},), one weight per row"
        )
    if not np.all(np.isfinite(w)):
        raise ValueError("sample_weight must contain only finite numbers; found NaN or infinity")
    if np.any(w < 0):
        i = int(np.argmax(w < 0))
        raise ValueError(f"sample_weight must be non-negative; found {w[i]} at index {i}")
    if not np.any(w > 0):
        raise ValueError("sample_weight is all zero; at least one weight must be positive")
    return w


def as_design(X, y, *, finite=False):
    """Validate a design matrix and its targets.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Design matrix, one row per example. A 1-D array is refused (is it one example or one
        feature?); the message suggests ``X.reshape(-1, 1)`` for a single feature.
    y : array_like of shape (n,)
        Targets.
    finite : bool, default False
        If True, reject NaN and infinity in ``X`` and ``y``.

    Returns
    -------
    X : numpy.ndarray of shape (n, d)
    y : numpy.ndarray of shape (n,)

    Examples
    --------
    >>> X, y = as_design([[1, 2], [3, 4], [5, 6]], [1, 0, 1])
    >>> X.shape, y.shape
    ((3, 2), (3,))
    >>> as_design([1, 2, 3], [1, 0, 1])
    Traceback (most recent call last):
        ...
    ValueError: X must be 2-D with shape (n, d); got shape (3,) (for a single feature use X.reshape(-1, 1))
    """  # noqa: E501
    X = as_array(X, "X", finite=finite)
    if X.ndim != 2:
        hint = " (for a single feature use X.reshape(-1, 1))" if X.ndim == 1 else ""
        raise ValueError(f"X must be 2-D with shape (n, d); got shape {X.shape}{hint}")
    y = as_array(y, "y", finite=finite)
    if y.ndim != 1:
        hint = " (did you mean y.ravel()?)" if y.ndim == 2 and 1 in y.shape else ""
        raise ValueError(f"y must be 1-D with shape (n,); got shape {y.shape}{hint}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but y has {y.shape[0]} values; "
            f"expected one target per row of X"
        )
    return X, y


def as_scalar(value, name, *, minimum=None, strict=False):
    """Validate a real, finite scalar such as a learning rate or a penalty.

    Parameters
    ----------
    value : real number
        The value to check (a Python or NumPy number, or a 0-d array).
    name : str
        The argument's name, used in error messages.
    minimum : float, optional
        Lower bound. ``value >= minimum`` is required, or ``value > minimum`` when ``strict``.
    strict : bool, default False
        Whether the bound is strict.

    Returns
    -------
    float

    Examples
    --------
    >>> as_scalar(0.1, "lr", minimum=0, strict=True)
    0.1
    >>> as_scalar(0, "lr", minimum=0, strict=True)
    Traceback (most recent call last):
        ...
    ValueError: lr must be a finite number > 0; got 0
    """
    arr = as_array(value, name)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number; got an array of shape {arr.shape}")
    x = float(arr)
    if minimum is None:
        ok, bound = np.isfinite(x), ""
    elif strict:
        ok, bound = np.isfinite(x) and x > minimum, f" > {minimum}"
    else:
        ok, bound = np.isfinite(x) and x >= minimum, f" >= {minimum}"
    if not ok:
        raise ValueError(f"{name} must be a finite number{bound}; got {value!r}")
    return x


def as_count(value, name, *, minimum=0):
    """Validate a whole number such as a number of steps or of examples.

    Parameters
    ----------
    value : int
        A Python or NumPy integer (bools and floats are refused, even 3.0).
    name : str
        The argument's name, used in error messages.
    minimum : int, default 0
        Smallest allowed value.

    Returns
    -------
    int

    Examples
    --------
    >>> as_count(5, "n_steps")
    5
    >>> as_count(2.5, "n_steps")
    Traceback (most recent call last):
        ...
    TypeError: n_steps must be an integer; got a value of type float
    """
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be an integer; got a bool")
    try:
        k = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer; got {_describe(value)}") from None
    if k < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {k}")
    return k
