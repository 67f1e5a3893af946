"""Helper package for the course *The L2 Loss*.

Losses (:mod:`l2course.losses`), their gradients (:mod:`l2course.gradients`), linear models
fitted by least squares, ridge and gradient descent (:mod:`l2course.models`), seeded example
data (:mod:`l2course.data`) and plot helpers in a colour-blind-safe style
(:mod:`l2course.plots`). All public names are available at the top level::

    import l2course as l2
    l2.mse([1, 2, 3], [1, 2, 4])
"""

from . import classification, conventions, descent, inference, plots, regularization, robust
from .data import house_price_example, make_house_prices, make_regression_1d
from .gradients import linear_mse_grad, mse_grad, numerical_gradient
from .losses import huber, l2_loss, mae, mse, rmse, squared_error, sse
from .models import LinearModel, fit_least_squares, fit_ridge, gradient_descent
from .plots import (
    CYCLE,
    PALETTE,
    plot_cost_curve,
    plot_loss_vs_residual,
    plot_residuals,
    use_style,
)
from .printing import agree, value_or_bound

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # losses
    "squared_error",
    "sse",
    "mse",
    "rmse",
    "l2_loss",
    "mae",
    "huber",
    # gradients
    "mse_grad",
    "linear_mse_grad",
    "numerical_gradient",
    # models
    "LinearModel",
    "fit_least_squares",
    "fit_ridge",
    "gradient_descent",
    # data
    "house_price_example",
    "make_house_prices",
    "make_regression_1d",
    # topic modules (chapters 2-6 import them as `from l2course import <topic>`)
    "conventions",
    "descent",
    "inference",
    "robust",
    "regularization",
    "classification",
    # printing numbers that are facts, not round-off
    "agree",
    "value_or_bound",
    # plots
    "plots",
    "PALETTE",
    "CYCLE",
    "use_style",
    "plot_residuals",
    "plot_loss_vs_residual",
    "plot_cost_curve",
]
