import numpy as np
import pytest
import torch

from tszoo.errors import TszooError
from tszoo.models import load_model, make_model, save_model
from tszoo.models.deep.networks import CNN1D, LITE, HybridCNNLSTM, InceptionNetwork, ResNet
from tszoo.models.deep.transforms import input_choices, make_input_features
from tszoo.models.registry import get_model_class, model_tags

DEEP = ["hybrid_attention", "hybrid_cnn_lstm", "cnn_1d", "inception_time"]

NETWORKS = {
    "hybrid_attention": lambda: HybridCNNLSTM(3, 4, n_filters=4, hidden_size=8, attention=True),
    "hybrid_few_steps": lambda: HybridCNNLSTM(3, 4, n_filters=4, n_timepoints=40, max_steps=3),
    "hybrid_mean": lambda: HybridCNNLSTM(3, 4, n_filters=4, attention=False, pooling="mean"),
    "cnn_1d": lambda: CNN1D(3, 4, n_filters=4),
    "inception": lambda: InceptionNetwork(3, 4, n_filters=4, depth=6, bottleneck=4),
    "resnet": lambda: ResNet(3, 4, n_filters=4),
    "resnet_small_kernels": lambda: ResNet(3, 4, n_filters=4, kernel_sizes=(4, 3, 2), n_blocks=2),
    "lite": lambda: LITE(3, 4, n_filters=4, kernel_size=8),
    "lite_default": lambda: LITE(3, 4),
}


def rough_task(n_per_class=16, n_channels=2, length=30, seed=0):
    """Three classes of white noise told apart by their standard deviation (1, 2, 3)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.array(["a", "b", "c"]), n_per_class)
    scale = np.repeat([1.0, 2.0, 3.0], n_per_class)[:, None, None]
    X = rng.standard_normal((len(y), n_channels, length)) * scale + rng.normal(size=(len(y), 1, 1))
    order = rng.permutation(len(y))
    return X.astype(np.float32)[order], y[order]


def new_model(name, **extra):
    return make_model(name, **{**get_model_class(name)._get_test_params(), **extra})


@pytest.fixture(scope="module")
def task():
    return rough_task(), rough_task(n_per_class=4, seed=1), rough_task(n_per_class=6, seed=2)


@pytest.fixture(scope="module")
def fitted(task):
    (X, y), val, _ = task
    return {name: new_model(name, random_state=0).fit(X, y, validation_data=val) for name in DEEP}


# -- networks -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(NETWORKS))
def test_network_output_shape(name):
    net = NETWORKS[name]().eval()
    assert net(torch.randn(5, 3, 40)).shape == (5, 4)
    assert net(torch.randn(2, 3, 40), torch.tensor([40, 23])).shape == (2, 4)


@pytest.mark.parametrize("name", list(NETWORKS))
def test_padding_is_masked(name):
    """A series padded with zeros (lengths given) scores exactly as it does alone."""
    torch.manual_seed(0)
    net = NETWORKS[name]().eval()
    short = torch.randn(1, 3, 27)
    padded = torch.cat([short, torch.zeros(1, 3, 13)], dim=-1)
    alone = net(short)
    batch = net(torch.cat([padded, torch.randn(1, 3, 40)]), torch.tensor([27, 40]))
    torch.testing.assert_close(batch[:1], alone, rtol=1e-4, atol=1e-5)


def test_attention_weights_sum_to_one_over_valid_steps():
    net = NETWORKS["hybrid_attention"]().eval()
    _, lengths, weights = net.encode(torch.randn(3, 3, 40), torch.tensor([40, 24, 13]))
    assert weights.shape == (3, 10)  # two conv blocks pooling by 2
    assert lengths.tolist() == [10, 6, 3]
    torch.testing.assert_close(weights.sum(1), torch.ones(3))
    assert (weights[1, 6:] == 0).all() and (weights[2, 3:] == 0).all()
    assert (weights[2, :3] > 0).all()


def test_max_steps_pools_the_conv_features_further_for_every_input_alike():
    net = HybridCNNLSTM(3, 4, n_filters=4, n_timepoints=251, max_steps=16).eval()
    _, lengths, weights = net.encode(torch.randn(2, 3, 251), torch.tensor([251, 100]))
    assert weights.shape == (2, 15)  # 251 // 4 = 62 steps after the conv blocks, by 4 more
    assert lengths.tolist() == [15, 6]
    short = HybridCNNLSTM(3, 4, n_filters=4, n_timepoints=50, max_steps=16)
    assert short.step_pool == 1  # 12 steps: nothing more to pool


def test_input_features_keep_padding_at_zero():
    X = np.zeros((2, 1, 5), dtype=np.float32)
    X[0, 0] = [1, 2, 3, 4, 5]
    X[1, 0, :3] = [2, 4, 1]
    out = make_input_features(X, np.array([5, 3]), "raw+centred+diff+absdiff")
    assert out.shape == (2, 4, 5)
    np.testing.assert_allclose(out[0, 1], [-2, -1, 0, 1, 2])
    np.testing.assert_allclose(out[1, 1], [-1 / 3, 5 / 3, -4 / 3, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(out[1, 2], [0, 2, -3, 0, 0])
    np.testing.assert_allclose(out[1, 3], [0, 2, 3, 0, 0])


# -- estimators -----------------------------------------------------------------------


@pytest.mark.parametrize("name", DEEP)
def test_fit_records_history_and_predicts(name, fitted, task):
    model, X_test = fitted[name], task[2][0]
    assert len(model.history_) >= 1 and not np.isnan(model.history_[0]["val_loss"])
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-5)


@pytest.mark.parametrize("name", DEEP)
def test_tags(name):
    tags = model_tags(name)
    assert tags["deep"] and tags["multivariate"] and tags["unequal_length"]
    assert tags["attention"] == (name == "hybrid_attention")


def test_same_seed_same_model_and_global_rng_untouched(task):
    (X, y), val, (X_test, _) = task
    state = torch.get_rng_state()
    first = new_model("hybrid_attention", random_state=5).fit(X, y, validation_data=val)
    assert torch.equal(torch.get_rng_state(), state)
    again = new_model("hybrid_attention", random_state=5).fit(X, y, validation_data=val)
    np.testing.assert_array_equal(first.predict_proba(X_test), again.predict_proba(X_test))
    strip = lambda h: [{k: v for k, v in r.items() if k != "seconds"} for r in h]  # noqa: E731
    assert strip(first.history_) == strip(again.history_)


@pytest.mark.parametrize("name", ["hybrid_attention", "cnn_1d", "inception_time"])
def test_save_load_round_trip(name, fitted, task, tmp_path):
    model = fitted[name]
    save_model(model, tmp_path / name, name=name)
    assert (tmp_path / name / "weights.safetensors").is_file()
    loaded, _ = load_model(tmp_path / name)
    np.testing.assert_array_equal(loaded.predict_proba(task[2][0]), model.predict_proba(task[2][0]))
    assert loaded.history_ == model.history_


@pytest.mark.parametrize("name", DEEP)
def test_unequal_length_input(name, task):
    (X, y), _, (X_test, _) = task
    rng = np.random.default_rng(0)
    ragged = [x[:, : rng.integers(18, 31)] for x in X]
    model = new_model(name, random_state=0).fit(ragged, y, validation_data=(ragged[:6], y[:6]))
    assert model.predict([x[:, :20] for x in X_test]).shape == (len(X_test),)


def test_attention_weights_of_the_estimator(fitted, task):
    X_test = task[2][0]
    weights = fitted["hybrid_attention"].attention_weights(X_test)
    assert weights.shape == (len(X_test), 30 // 2)  # test params: one conv block, pool 2
    np.testing.assert_allclose(weights.sum(1), 1.0, atol=1e-5)
    with pytest.raises(TszooError, match="attention=False"):
        fitted["hybrid_cnn_lstm"].attention_weights(X_test)


def test_inception_ensemble_averages_members(task):
    (X, y), val, (X_test, _) = task
    model = new_model("inception_time", n_ensemble=2, max_epochs=2, random_state=0)
    model.fit(X, y, validation_data=val)
    assert len(model.network_) == 2 and len(model.histories_) == 2
    single = [model.network_[i] for i in range(2)]
    proba = model.predict_proba(X_test)
    model.network_ = torch.nn.ModuleList(single[:1])
    assert not np.allclose(proba, model.predict_proba(X_test))  # the members differ


def test_class_weight_balanced(task):
    (X, y), val, _ = task
    keep = np.flatnonzero((y != "c") | (np.arange(len(y)) % 4 == 0))  # "c" is rare
    model = new_model("cnn_1d", class_weight="balanced", random_state=0, max_epochs=2)
    assert model.fit(X[keep], y[keep], validation_data=val).history_[0]["train_loss"] > 0
    with pytest.raises(TszooError, match="class_weight"):
        new_model("cnn_1d", class_weight="inverse").fit(X, y)


@pytest.mark.parametrize("inputs", ["raw+centered", "raw|diff+centered"])
def test_unknown_input_feature_is_refused(task, inputs):
    (X, y), _, _ = task
    with pytest.raises(TszooError, match="did you mean 'centred'"):
        new_model("cnn_1d", inputs=inputs).fit(X, y)


def test_learns_a_separable_task():
    (X, y), (X_test, y_test) = rough_task(n_per_class=30), rough_task(seed=3)
    model = make_model("cnn_1d", n_filters=8, n_layers=2, max_epochs=30, lr=1e-2, random_state=0)
    model.fit(X, y, validation_data=rough_task(n_per_class=5, seed=4))
    assert (model.predict(X_test) == y_test).mean() >= 0.9


# -- inputs="auto" and the training budget ----------------------------------------------


def test_auto_inputs_keep_the_candidate_that_validates_best(task, tmp_path):
    (X, y), val, (X_test, _) = task
    auto = new_model("cnn_1d", inputs="auto", refit=False, random_state=0)
    auto.fit(X, y, validation_data=val)
    assert list(auto.input_scores_) == list(input_choices("auto"))
    assert auto.inputs_ == max(auto.input_scores_, key=auto.input_scores_.get) or (
        len(set(auto.input_scores_.values())) == 1
    )
    # the kept network is the one the explicit choice trains, bit for bit
    explicit = new_model("cnn_1d", inputs=auto.inputs_, random_state=0).fit(X, y)
    np.testing.assert_array_equal(auto.predict_proba(X_test), explicit.predict_proba(X_test))
    save_model(auto, tmp_path / "m", name="cnn_1d")
    loaded, _ = load_model(tmp_path / "m")
    assert loaded.inputs_ == auto.inputs_
    np.testing.assert_array_equal(loaded.predict_proba(X_test), auto.predict_proba(X_test))


def test_inputs_choose_between_the_representations_given(task):
    (X, y), val, _ = task
    model = new_model("cnn_1d", inputs="diff | centred+absdiff", refit=False, random_state=0)
    assert model.uses_validation and not new_model("cnn_1d", inputs="diff").uses_validation
    model.fit(X, y, validation_data=val)
    assert list(model.input_scores_) == ["diff", "centred+absdiff"]
    assert model.inputs_ in model.input_scores_
    parts = 2 if model.inputs_ == "centred+absdiff" else 1
    assert len(model.input_mean_) == X.shape[1] * parts  # the kept candidate's features


def test_auto_inputs_without_validation_data_take_the_first_candidate(task):
    (X, y), _, _ = task
    model = new_model("cnn_1d", inputs="auto", random_state=0).fit(X, y)
    assert model.inputs_ == "raw" and model.input_scores_ == {}
    assert model.uses_validation  # so a compare cell hands it the validation split


def test_a_small_validation_split_trains_with_the_rest_instead_of_choosing(task):
    (X, y), (X_val, y_val), (X_test, _) = task  # 4 validation cases a class
    params = {"inputs": "auto", "min_validation_per_class": 5, "random_state": 0}
    model = new_model("cnn_1d", **params).fit(X, y, validation_data=(X_val, y_val))
    assert model.input_scores_ == {} and model.inputs_ == "raw"
    assert model.n_fit_ == len(y) + len(y_val)
    # the model fitted on train and validation joined without validation data, bit for bit
    X_all, y_all = np.concatenate([X, X_val]), np.concatenate([y, y_val])
    alone = new_model("cnn_1d", **params).fit(X_all, y_all)
    np.testing.assert_array_equal(model.predict_proba(X_test), alone.predict_proba(X_test))
    chooses = new_model("cnn_1d", **{**params, "min_validation_per_class": 4, "refit": False})
    chooses.fit(X, y, validation_data=(X_val, y_val))
    assert list(chooses.input_scores_) == list(input_choices("auto"))
    # early stopping needs the validation cases, however few
    stops = new_model("cnn_1d", **{**params, "patience": 3, "refit": False})
    assert stops.fit(X, y, validation_data=(X_val, y_val)).n_fit_ == len(y)


def test_the_step_budget_sets_the_epochs():
    model = make_model("cnn_1d", n_steps=100, max_epochs=30, batch_size=10)
    assert model._epochs(50) == 20  # 5 batches an epoch
    assert model._epochs(15) == 30  # capped by max_epochs
    assert model._epochs(10_000) == 1
    assert make_model("cnn_1d", n_steps=None, max_epochs=7)._epochs(50) == 7


def test_refit_trains_on_train_and_validation_with_what_was_chosen(task):
    (X, y), (X_val, y_val), (X_test, _) = task
    refit = new_model("cnn_1d", inputs="auto", refit=True, random_state=0)
    refit.fit(X, y, validation_data=(X_val, y_val))
    assert refit.n_fit_ == len(y) + len(y_val)
    assert list(refit.input_scores_) == list(input_choices("auto"))  # chosen on val first
    # then the model an explicit choice gives on train and validation joined, bit for bit
    X_all, y_all = np.concatenate([X, X_val]), np.concatenate([y, y_val])
    explicit = new_model("cnn_1d", inputs=refit.inputs_, random_state=0).fit(X_all, y_all)
    np.testing.assert_array_equal(refit.predict_proba(X_test), explicit.predict_proba(X_test))
    kept = new_model("cnn_1d", inputs="auto", refit=False, random_state=0)
    kept.fit(X, y, validation_data=(X_val, y_val))
    assert kept.n_fit_ == len(y)


def test_refit_under_early_stopping_trains_the_chosen_number_of_epochs(task):
    (X, y), val, _ = task
    params = {"inputs": "raw", "patience": 3, "max_epochs": 40, "n_steps": None, "stop_loss": None}
    chosen = new_model("cnn_1d", **params, random_state=0).fit(X, y, validation_data=val)
    refit = new_model("cnn_1d", **params, refit=True, random_state=0)
    refit.fit(X, y, validation_data=val)
    assert len(refit.history_) == (chosen.history_.best_epoch() or len(chosen.history_))
    assert refit.n_fit_ == len(y) + len(val[1])
