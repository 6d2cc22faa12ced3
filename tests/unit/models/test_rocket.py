"""The Rocket adapters: MiniRocket and MultiRocket-Hydra over aeon."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tszoo.models.persistence import load_model, save_model
from tszoo.models.rocket._common import softmax_scores
from tszoo.models.rocket.minirocket import MiniRocketClassifier
from tszoo.models.rocket.multirocket_hydra import MultiRocketHydraClassifier

MODELS = {"minirocket": MiniRocketClassifier, "multirocket_hydra": MultiRocketHydraClassifier}


def unequal(X: np.ndarray, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [x[:, : rng.integers(3 * X.shape[-1] // 4, X.shape[-1] + 1)] for x in X]


def make(name: str, **params):
    return MODELS[name](**{**MODELS[name]._get_test_params(), **params})


@pytest.fixture(scope="module")
def data(sines):
    return sines


@pytest.fixture(scope="module", params=list(MODELS))
def fitted(request, data):
    (X, y), _ = data
    return request.param, make(request.param).fit(X, y)


def test_softmax_scores_keep_the_ridge_decision():
    binary = softmax_scores(np.array([-0.5, 0.0, 2.0]))
    np.testing.assert_array_equal(binary.argmax(axis=1), [0, 0, 1])  # ridge: class 1 iff d > 0
    multi = softmax_scores(np.array([[0.1, 0.9, -1.0], [5.0, -5.0, 0.0]]))
    np.testing.assert_array_equal(multi.argmax(axis=1), [1, 0])
    np.testing.assert_allclose(multi.sum(axis=1), 1.0)


def test_accuracy_and_probabilities(fitted, data):
    _, model = fitted
    _, (X_test, y_test) = data
    proba = model.predict_proba(X_test)
    assert list(model.classes_) == ["a", "b", "c"]
    assert np.mean(model.predict(X_test) == y_test) >= 0.9
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(model.predict(X_test), model.classes_[proba.argmax(axis=1)])
    assert ((proba > 0) & (proba < 1)).all()  # graded, not aeon's one-hot


def test_minirocket_predicts_as_aeon_does(data):
    from aeon.classification.convolution_based import MiniRocketClassifier as Aeon

    (X, y), (X_test, _) = data
    params = MiniRocketClassifier._get_test_params()
    ours = MiniRocketClassifier(**params).fit(X, y).predict(X_test)
    np.testing.assert_array_equal(ours, Aeon(**params).fit(X, y).predict(X_test))


@pytest.mark.parametrize("name", list(MODELS))
def test_same_random_state_same_predictions(name, data):
    (X, y), (X_test, _) = data
    a = make(name, random_state=5).fit(X, y).predict_proba(X_test)
    b = make(name, random_state=5).fit(X, y).predict_proba(X_test)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", list(MODELS))
def test_unequal_and_short_series_are_resampled(name, data):
    (X, y), (X_test, y_test) = data
    model = make(name).fit(unequal(X), y)
    assert model.n_timepoints_ == max(x.shape[1] for x in unequal(X))
    assert np.mean(model.predict(unequal(X_test, seed=2)) == y_test) >= 0.8
    short = make(name).fit(X[:, :, :6], y)  # shorter than the kernels
    assert short.n_timepoints_ >= 9
    assert short.predict(X_test[:, :, :4]).shape == (len(X_test),)


@pytest.mark.parametrize("name", list(MODELS))
def test_fit_leaves_global_random_state_and_threads_alone(name, data):
    (X, y), _ = data
    threads = torch.get_num_threads()
    np.random.seed(123)  # noqa: NPY002 - the legacy global generator is what aeon reseeds
    expected = np.random.random_sample()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    make(name, random_state=7).fit(X, y)
    assert np.random.random_sample() == expected  # noqa: NPY002
    assert torch.get_num_threads() == threads


def test_save_load_round_trip(fitted, data, tmp_path):
    name, model = fitted
    _, (X_test, _) = data
    save_model(model, tmp_path / "m", name=name)
    loaded, _ = load_model(tmp_path / "m")
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))


def ridge_task(n_classes: int, n: int = 3000, p: int = 40, seed: int = 0):
    """Positive features around 5 (as MiniRocket's proportions sit away from 0), a few of
    them shifted by the class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    y[: n // 3] = 0  # unequal classes, for class_weight="balanced"
    signal = 0.3 * y[:, None] * (np.arange(p) % 4 == 0)
    return (rng.random((n, p)) + signal + 5).astype(np.float32), y


def chunks_of(Z: np.ndarray, size: int = 700):
    return (Z[a : a + size] for a in range(0, len(Z), size))


@pytest.mark.parametrize(
    ("n_classes", "class_weight", "with_mean"),
    [(2, None, False), (3, None, False), (4, "balanced", False), (3, "balanced", True)],
)
@pytest.mark.parametrize("alpha", [0.01, 100.0])
def test_streamed_ridge_solves_what_scikit_learn_solves(n_classes, class_weight, with_mean, alpha):
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.preprocessing import StandardScaler

    from tszoo.models.rocket._ridge import StreamedRidgeClassifier

    Z, y = ridge_task(n_classes)
    scaler = StandardScaler(with_mean=with_mean).fit(Z)
    ref = RidgeClassifierCV(alphas=[alpha], class_weight=class_weight).fit(scaler.transform(Z), y)
    ours = StreamedRidgeClassifier(alphas=[alpha], class_weight=class_weight)
    ours.fit_chunks(chunks_of(Z), y, with_mean=with_mean)
    np.testing.assert_allclose(ours.scaler_.scale_, scaler.scale_, rtol=1e-6)
    np.testing.assert_allclose(ours.coef_, np.atleast_2d(ref.coef_), atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, np.atleast_1d(ref.intercept_), atol=1e-4)
    decision = ours.decision_function(ours.scaler_.transform(Z))
    np.testing.assert_allclose(decision, ref.decision_function(scaler.transform(Z)), atol=1e-4)
    np.testing.assert_array_equal(
        ours.predict(ours.scaler_.transform(Z)), ref.predict(scaler.transform(Z))
    )


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("seed", [0, 3])
def test_streamed_ridge_gcv_tracks_exact_leave_one_out(n_classes, seed):
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.preprocessing import StandardScaler

    from tszoo.models.rocket._common import RIDGE_ALPHAS
    from tszoo.models.rocket._ridge import StreamedRidgeClassifier

    Z, y = ridge_task(n_classes, seed=seed)
    features = StandardScaler(with_mean=False).fit_transform(Z)
    ref = RidgeClassifierCV(alphas=RIDGE_ALPHAS, store_cv_results=True).fit(features, y)
    loo = ref.cv_results_.reshape(len(y), -1, len(RIDGE_ALPHAS)).mean(axis=(0, 1))
    ours = StreamedRidgeClassifier(alphas=RIDGE_ALPHAS).fit_chunks(chunks_of(Z), y)
    # with many more cases than features GCV is leave-one-out's error to within 0.1 %,
    # so the alpha it picks is as good as scikit-learn's by leave-one-out's own measure
    np.testing.assert_allclose(ours.gcv_, loo, rtol=1e-3)
    picked = loo[list(RIDGE_ALPHAS).index(ours.alpha_)]
    assert picked <= loo.min() * (1 + 1e-4)


def test_streamed_ridge_refuses_chunks_that_do_not_cover_y():
    from tszoo.errors import TszooError
    from tszoo.models.rocket._ridge import StreamedRidgeClassifier

    Z, y = ridge_task(2, n=100)
    with pytest.raises(TszooError, match="hold 60 cases but y holds 100"):
        StreamedRidgeClassifier().fit_chunks([Z[:60]], y)


def test_minirocket_with_more_cases_than_twice_its_features_streams_the_ridge(tmp_path, make_sines):
    from sklearn.linear_model import RidgeClassifierCV

    from tszoo.models.rocket._ridge import StreamedRidgeClassifier

    (X, y), (X_test, y_test) = make_sines(n_per_class=70, seed=4), make_sines(seed=5)
    small = make("minirocket", random_state=0).fit(X[::4], y[::4])  # 53 cases, 84 features
    assert isinstance(small.ridge_, RidgeClassifierCV)
    model = make("minirocket", random_state=0).fit(X, y)  # 210 cases > 2 x 84 features
    assert isinstance(model.ridge_, StreamedRidgeClassifier)
    assert (model.predict(X_test) == y_test).mean() >= 0.9
    save_model(model, tmp_path / "m", name="minirocket")
    loaded, _ = load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))


def test_features_too_large_for_memory_are_refused_before_allocating(data, monkeypatch):
    from collections import namedtuple

    from tszoo.errors import TszooError

    free = namedtuple("svmem", "available")(10 * 2**20)  # 10 MiB: 45 x 50,000 x 12 B is more
    monkeypatch.setattr("tszoo.models.rocket._common.psutil.virtual_memory", lambda: free)
    (X, y), _ = data
    with pytest.raises(TszooError, match=r"multirocket_hydra: a ridge on [\d,]+ features .* 45 tr"):
        MultiRocketHydraClassifier(random_state=0).fit(X, y)  # default size: ~50,000 features


def test_n_jobs_set_after_fitting_is_the_threads_predict_uses(fitted, data):
    name, model = fitted
    _, (X_test, _) = data
    one = model.predict_proba(X_test)
    try:
        model.set_params(n_jobs=2)
        two = model.predict_proba(X_test)
        inner = model.transformer_ if name == "minirocket" else model.multirocket_
        assert inner._n_jobs == 2
    finally:
        model.set_params(n_jobs=1)
    np.testing.assert_array_equal(two, one)  # each series' features are its own
