"""l2course.lsq_classification against scikit-learn, scipy and the identities of section 6b."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.metrics import brier_score_loss, log_loss  # noqa: E402
from sklearn.preprocessing import LabelBinarizer, PolynomialFeatures  # noqa: E402

import l2course as l2  # noqa: E402
from l2course import lsq_classification as lsq  # noqa: E402


def test_exported_as_a_topic_module():
    assert l2.lsq_classification is lsq and "lsq_classification" in l2.__all__


def test_one_hot_matches_label_binarizer():
    labels = np.random.default_rng(0).integers(0, 4, size=30)
    labels[:4] = [0, 1, 2, 3]
    assert np.array_equal(lsq.one_hot(labels), LabelBinarizer().fit_transform(labels))
    assert lsq.one_hot([0, 1], n_classes=3).shape == (2, 3)


def test_quadratic_features_match_polynomial_features():
    X = np.random.default_rng(1).normal(size=(7, 3))
    ours = lsq.quadratic_features(X)
    theirs = PolynomialFeatures(2, include_bias=False).fit_transform(X)
    assert np.allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("degree", [1, 2])
def test_indicator_fit_is_linear_regression_on_one_hot_targets(degree):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 2))
    labels = rng.integers(0, 3, size=60)
    fit = lsq.fit_indicators(X, labels, degree=degree)
    basis = X if degree == 1 else PolynomialFeatures(2, include_bias=False).fit_transform(X)
    reg = LinearRegression().fit(basis, lsq.one_hot(labels))
    X_new = rng.normal(size=(25, 2))
    basis_new = X_new if degree == 1 else PolynomialFeatures(2, include_bias=False).fit_transform(X_new)
    assert np.allclose(fit.decision_function(X_new), reg.predict(basis_new), atol=1e-10)
    assert np.array_equal(fit.predict(X_new), np.argmax(reg.predict(basis_new), axis=1))


@pytest.mark.parametrize("seed", range(5))
def test_fitted_indicators_sum_to_one_everywhere(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3))
    labels = rng.integers(0, 4, size=40)
    for degree in (1, 2):
        fit = lsq.fit_indicators(X, labels, degree=degree, n_classes=4)
        far = 100 * rng.normal(size=(10, 3))  # far from the data too
        assert np.allclose(fit.decision_function(far).sum(axis=1), 1.0, atol=1e-8)
    # the law needs the intercept: without it (LinearRegression(fit_intercept=False)) the sums are not 1
    no_b = LinearRegression(fit_intercept=False).fit(X, lsq.one_hot(labels, 4))
    assert not np.allclose(no_b.predict(far).sum(axis=1), 1.0, atol=1e-3)


@pytest.mark.parametrize("seed", range(8))
def test_masking_balanced_collinear_means_never_predict_the_middle(seed):
    """Balanced classes whose means lie on a line: the middle one is never the strict argmax."""
    rng = np.random.default_rng(seed)
    d, m = 3, 30
    direction = rng.normal(size=d)
    means = np.outer([-1.0, rng.uniform(-0.5, 0.5), 1.0], 3 * direction)
    labels = np.repeat(np.arange(3), m)
    X = means[labels] + rng.normal(size=(3 * m, d))
    # class means of the *sample* need not be collinear; shift each class so they are exactly
    for c in range(3):
        X[labels == c] += means[c] - X[labels == c].mean(axis=0)
    fit = lsq.fit_indicators(X, labels)
    probe = np.vstack([X, 10 * rng.normal(size=(500, d))])
    values = fit.decision_function(probe)
    assert np.all(values[:, 1] <= np.maximum(values[:, 0], values[:, 2]) + 1e-9)
    # the quadratic basis and LDA do predict it
    assert np.sum(lsq.fit_indicators(X, labels, degree=2).predict(X) == 1) > 0
    assert np.sum(LinearDiscriminantAnalysis().fit(X, labels).predict(X) == 1) > 0


def test_masking_needs_balance_a_large_middle_class_is_predicted():
    X, labels = lsq.make_classes_on_a_line(20, seed=3)
    extra = np.random.default_rng(4).normal(size=(400, 1))  # many more middle points
    X2, labels2 = np.vstack([X, extra]), np.concatenate([labels, np.ones(400, dtype=int)])
    assert np.sum(lsq.fit_indicators(X, labels).predict(X) == 1) == 0
    assert np.sum(lsq.fit_indicators(X2, labels2).predict(X2) == 1) > 0


def test_make_classes_on_a_line_is_seeded_and_balanced():
    X, labels = lsq.make_classes_on_a_line(50, spacing=5.0, seed=7)
    X_again, _ = lsq.make_classes_on_a_line(50, spacing=5.0, seed=7)
    assert np.array_equal(X, X_again) and np.bincount(labels).tolist() == [50, 50, 50]
    means = [X[labels == c, 0].mean() for c in range(3)]
    assert np.allclose(means, [-5.0, 0.0, 5.0], atol=4 / np.sqrt(50))


def test_within_class_scatter_is_a_sum_of_class_covariances():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(50, 3))
    y = (rng.uniform(size=50) < 0.4).astype(int)
    expected = sum((np.sum(y == c) - 1) * np.cov(X[y == c].T) for c in (0, 1))
    assert np.allclose(lsq.within_class_scatter(X, y), expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_least_squares_on_coded_targets_is_fisher_and_lda(seed):
    rng = np.random.default_rng(seed)
    n0, n1 = 30 + 10 * seed, 70
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, 0.3], [0.0, 0.3, 0.5]])
    X = np.vstack([rng.multivariate_normal([0, 0, 0], cov, n0), rng.multivariate_normal([1, 2, -1], cov, n1)])
    y = np.repeat([0, 1], [n0, n1])
    fisher = lsq.fisher_direction(X, y)
    lda = LinearDiscriminantAnalysis(solver="eigen").fit(X, y).coef_[0]
    cos = fisher @ lda / np.linalg.norm(fisher) / np.linalg.norm(lda)
    assert cos == pytest.approx(1.0, abs=1e-10)
    for targets in (lsq.fisher_targets(y), np.where(y == 1, 1.0, -1.0), np.where(y == 1, 0.3, 7.0)):
        w = l2.fit_least_squares(X, targets).w
        t0, t1 = targets[y == 0][0], targets[y == 1][0]
        nu = n0 * n1 / (n0 + n1)
        mean_gap = X[y == 1].mean(axis=0) - X[y == 0].mean(axis=0)
        d2 = mean_gap @ fisher  # squared Mahalanobis distance in the S_W metric
        assert np.allclose(w, (t1 - t0) * nu / (1 + nu * d2) * fisher, rtol=1e-9)
    b = l2.fit_least_squares(X, lsq.fisher_targets(y)).b
    w = l2.fit_least_squares(X, lsq.fisher_targets(y)).w
    assert w @ X.mean(axis=0) + b == pytest.approx(0.0, abs=1e-9)  # boundary through the mean


def test_fisher_targets_sum_to_zero_and_follow_bishop():
    y = np.array([0, 0, 1, 1, 1, 1])
    t = lsq.fisher_targets(y)
    assert np.allclose(t, [-3, -3, 1.5, 1.5, 1.5, 1.5]) and abs(t.sum()) < 1e-12


@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.8])
def test_expected_scores_match_scikit_learn(p):
    for p_hat in (0.01, 0.2, 0.5, 0.77, 0.99):
        outcomes, weights = [1, 0], [p, 1 - p]
        ours = lsq.expected_score(p, p_hat, "log")
        assert ours == pytest.approx(log_loss(outcomes, [p_hat, p_hat], sample_weight=weights), rel=1e-12)
        ours = lsq.expected_score(p, p_hat, "brier")
        assert ours == pytest.approx(brier_score_loss(outcomes, [p_hat, p_hat], sample_weight=weights), rel=1e-12)
        ours = lsq.expected_score(p, p_hat, "absolute")
        assert ours == pytest.approx(p * (1 - p_hat) + (1 - p) * p_hat, rel=1e-12)


def test_log_and_brier_are_strictly_proper_absolute_error_is_not():
    p_hat = np.arange(1, 1000) / 1000
    for p in (0.1, 0.25, 0.6, 0.9):
        for rule in ("log", "brier"):
            excess = lsq.expected_score(p, p_hat, rule) - lsq.expected_score(p, p, rule)
            assert np.all(excess[np.abs(p_hat - p) > 1e-9] > 0)
        # the log loss's excess is the Kullback-Leibler divergence (scipy)
        kl = [stats.entropy([p, 1 - p], [q, 1 - q]) for q in p_hat[::50]]
        excess = lsq.expected_score(p, p_hat[::50], "log") - lsq.expected_score(p, p, "log")
        assert np.allclose(excess, kl, atol=1e-12)
        absolute = lsq.expected_score(p, np.array([0.0, p, 1.0]), "absolute")
        assert absolute[1] > min(absolute[0], absolute[2])


def test_log_loss_edge_cases():
    assert lsq.expected_score(1.0, 1.0, "log") == 0.0
    assert lsq.expected_score(0.0, 0.0, "log") == 0.0
    assert lsq.expected_score(0.5, 0.0, "log") == np.inf


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: lsq.one_hot([0, 1.5]), "labels must hold whole numbers"),
        (lambda: lsq.one_hot([0, 3], n_classes=2), "n_classes"),
        (lambda: lsq.fit_indicators([[0.0], [1.0]], [0, 1, 1]), "labels has 3"),
        (lambda: lsq.fit_indicators([[0.0], [1.0]], [0, 1], degree=3), "degree must be 1 or 2"),
        (lambda: lsq.fit_indicators([0.0, 1.0], [0, 1]), "X must be 2-D"),
        (lambda: lsq.fisher_direction([[0.0], [1.0], [2.0]], [0, 0, 0]), "two labels 0 and 1"),
        (lambda: lsq.fisher_direction([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], [0, 0, 1, 1]), "singular"),
        (lambda: lsq.within_class_scatter([[0.0], [1.0]], [0, 2]), "no example of class 1"),
        (lambda: lsq.expected_score(1.2, 0.5), "p must lie in"),
        (lambda: lsq.expected_score(0.2, -0.1), "p_hat must lie in"),
        (lambda: lsq.expected_score(0.2, 0.5, rule="hinge"), "rule must be one of"),
        (lambda: lsq.make_classes_on_a_line(10, spacing=0.0), "spacing"),
        (lambda: lsq.plot_indicator_fits("fit", [[0.0]], [0]), "IndicatorFit"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_plots_draw_what_they_say():
    X, labels = lsq.make_classes_on_a_line(15)
    fit = lsq.fit_indicators(X, labels)
    ax = lsq.plot_indicator_fits(fit, X, labels)
    grid_line = ax.get_lines()[1]
    expected = fit.decision_function(grid_line.get_xdata().reshape(-1, 1))[:, 1]
    assert np.allclose(grid_line.get_ydata(), expected)
    # one background band per predicted interval: the masked middle class gets none
    bands = [matplotlib.colors.to_hex(patch.get_facecolor()[:3]) for patch in ax.patches]
    assert bands == [l2.CYCLE[0].lower(), l2.CYCLE[2].lower()]
    plt.close(ax.figure)
    ax = lsq.plot_indicator_fits(lsq.fit_indicators(X, labels, degree=2), X, labels)
    assert len(ax.patches) == 3
    plt.close(ax.figure)
    ax = lsq.plot_expected_scores([0.3], "log")
    curve, dot = ax.get_lines()
    assert dot.get_xdata()[0] == pytest.approx(0.3, abs=1e-3)
    assert np.allclose(curve.get_ydata(), lsq.expected_score(0.3, curve.get_xdata(), "log"))
    plt.close(ax.figure)
