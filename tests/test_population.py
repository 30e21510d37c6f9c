"""Populations: K networks trained in one compiled call equal K lone fits, member by member;
sharded equals unsharded; faults keep every member's history; bad input is refused clearly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import jax
import numpy as np
import pytest

import fcnn_widget
from fcnn_widget import FCNN, Population, TrainingBusy, TrainingDiverged, datasets, training
from fcnn_widget import population as population_mod
from fcnn_widget.training import check_history

ROOT = Path(fcnn_widget.__file__).parent.parent
DATA = datasets.make("xor", 120, test_fraction=0.25)
TRACED = {
    str(Path(fcnn_widget.__file__).parent / name)
    for name in ("model.py", "training.py", "history.py", "population.py")
}


def small(seeds=range(3)) -> Population:
    """One small shape for every test here, so JAX compiles it once."""
    return Population([3], "relu", dataset=DATA, seeds=seeds)


def largest_difference(a: FCNN, b: FCNN) -> float:
    return max(
        float(np.abs(p - q).max())
        for (W, c), (Wb, cb) in zip(a.params, b.params)
        for p, q in ((W, Wb), (c, cb))
    )


def check_member_consistent(pop: Population) -> None:
    for m in pop:
        check_history(m.history)
        assert not m.training


def test_members_equal_lone_fits_with_one_lr_each():
    rates = [0.005, 0.02, 0.001]
    pop = small()
    pop.fit(epochs=12, lr=rates, batch_size=16, snapshot_every=3)
    assert pop.losses.shape == (3, 12)
    assert pop.test_losses.shape == pop.accuracies.shape == pop.test_accuracies.shape == (3, 12)
    for i, (seed, lr) in enumerate(zip(range(3), rates)):
        lone = FCNN([3], "relu", dataset=DATA, seed=seed)
        lone.fit(epochs=12, lr=lr, batch_size=16, snapshot_every=3)
        member = pop[i]
        assert isinstance(member, FCNN) and member.seed == seed
        assert largest_difference(lone, member) < 1e-5
        np.testing.assert_allclose(member.history.loss, lone.history.loss, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(member.history.test_loss, lone.history.test_loss, rtol=1e-5)
        np.testing.assert_array_equal(member.history.accuracy, lone.history.accuracy)
        np.testing.assert_array_equal(member.history.snapshot_epochs, lone.history.snapshot_epochs)
        for snap, lone_snap in zip(member.history.snapshots, lone.history.snapshots):
            for (W, b), (Wl, bl) in zip(snap, lone_snap):
                np.testing.assert_allclose(W, Wl, atol=1e-5)
                np.testing.assert_allclose(b, bl, atol=1e-5)
        assert member.describe() == lone.describe()
        np.testing.assert_array_equal(pop.losses[i], member.history.loss)
    check_member_consistent(pop)


def test_a_second_fit_continues_every_member_as_a_lone_second_fit_would(monkeypatch):
    monkeypatch.setattr(training, "_MAX_CHUNK_EPOCHS", 4)  # several chunks per fit
    pop = small(seeds=[5, 9])
    pop.fit(epochs=6, batch_size=32)
    pop.fit(epochs=5, lr=0.01, batch_size=32)
    lone = FCNN([3], "relu", dataset=DATA, seed=9)
    lone.fit(epochs=6, batch_size=32)
    lone.fit(epochs=5, lr=0.01, batch_size=32)
    assert pop.losses.shape == (2, 11)
    assert largest_difference(lone, pop[1]) < 1e-5
    check_member_consistent(pop)


def test_best_picks_the_member_with_the_lowest_final_loss():
    pop = small(seeds=range(4))
    pop.fit(epochs=5, lr=[0.001, 0.05, 0.01, 0.0001], batch_size=16)
    finals = pop.losses[:, -1]
    assert pop.best() is pop[int(np.argmin(finals))]
    assert float(pop.best().history.loss[-1]) == finals.min()
    test_finals = pop.test_losses[:, -1]
    assert pop.best(by="test") is pop[int(np.argmin(test_finals))]
    text = pop.describe()
    assert text.startswith("4 × 2-3-1 relu, adam, 5 epochs, batch 16, lr 0.0001..0.05")
    assert f"min {finals.min():.5g}" in text
    assert len(pop) == 4 and [m.seed for m in pop] == [0, 1, 2, 3]


def test_an_untrained_population_has_no_best():
    with pytest.raises(ValueError, match="fit the population first"):
        small().best()


@pytest.mark.parametrize(
    ("seeds", "message"),
    [
        ([], "seeds is empty.*K >= 1.*range\\(16\\)"),
        (range(0), "seeds is empty"),
        ("abc", "seeds must be a sequence of integer seeds.*'abc'"),
        (5, "seeds must be a sequence.*got 5"),
        ([1, -2], "seed must be an integer >= 0.*-2"),
        ([1, 1, 2], "seeds must differ.*\\[1\\]"),
    ],
)
def test_bad_seeds_are_refused_naming_the_value(seeds, message):
    with pytest.raises(ValueError, match=message):
        Population([3], dataset=DATA, seeds=seeds)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": [0.01, 0.02]}, "lr has 2 values but the population has 3 members.*sequence of 3"),
        ({"lr": [0.01, 0.02, -1.0]}, "lr must be a finite number > 0, got -1.0"),
        ({"lr": "0.01"}, "lr must be a number or a sequence of 3 numbers, got '0.01'"),
        ({"optimizer": "adamw"}, "unknown optimizer 'adamw'; valid names are sgd, adam"),
        ({"epochs": -1}, "epochs must be an integer >= 0, got -1"),
        ({"devices": []}, "devices must be a non-empty list of jax devices"),
    ],
)
def test_bad_fit_arguments_are_refused_before_any_member_changes(kwargs, message):
    pop = small()
    with pytest.raises(ValueError, match=message):
        pop.fit(**kwargs)
    for m in pop:
        assert m.history.epochs == 0 and not m.training and m.last_settings is None


def test_bad_by_names_the_valid_choices():
    pop = small()
    pop.fit(epochs=1)
    with pytest.raises(ValueError, match="unknown by='val'; valid choices are train, test"):
        pop.best(by="val")
    no_test = Population([3], dataset=datasets.make("xor", 60), seeds=[0, 1])
    no_test.fit(epochs=1)
    with pytest.raises(ValueError, match="by='test' needs a dataset with a test split"):
        no_test.best(by="test")
    assert no_test.test_losses is None and no_test.accuracies.shape == (2, 1)


def test_a_member_in_a_fit_makes_the_population_fit_busy():
    pop = small()
    claim = pop[1].claim_fit()
    try:
        with pytest.raises(TrainingBusy):
            pop.fit(epochs=2)
        assert not pop[0].training and not pop[2].training  # the claims it took are released
    finally:
        claim.release()
    pop.fit(epochs=2)
    assert pop.losses.shape == (3, 2)


def test_stop_ends_every_member_after_the_chunk(monkeypatch):
    monkeypatch.setattr(training, "_MAX_CHUNK_EPOCHS", 4)
    pop = small()
    seen = []

    def callback(p):
        seen.append(p[0].history.epochs)
        for m in p:
            check_history(m.history)  # a reader inside the fit sees whole records
        if len(seen) == 2:
            p.stop()

    pop.fit(epochs=20, callback=callback)
    assert seen == [4, 8]
    for m in pop:
        assert m.history.epochs == 8 and m.history.stopped == "stopped"
    check_member_consistent(pop)
    pop.fit(epochs=3)  # a stop is for one fit
    assert pop.losses.shape == (3, 11) and pop[0].history.stopped is None


@pytest.mark.parametrize("how", ["raise", "sigint"])
def test_ctrl_c_keeps_every_members_history_and_last_good_params(monkeypatch, how):
    if how == "sigint" and threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach only the main thread")
    monkeypatch.setattr(training, "_MAX_CHUNK_EPOCHS", 4)
    pop = small()

    def callback(p):
        if p[0].history.epochs == 8:
            if how == "raise":
                raise KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGINT)  # a flag, read before the next chunk

    with pytest.warns(UserWarning, match="interrupted after epoch 8; every member keeps"):
        pop.fit(epochs=20, callback=callback)
    for m in pop:
        assert m.history.epochs == 8 and m.history.stopped == "interrupted"
    check_member_consistent(pop)
    lone = FCNN([3], "relu", dataset=DATA, seed=2)
    lone.fit(epochs=8)
    assert largest_difference(lone, pop[2]) < 1e-5  # the parameters of epoch 8
    pop.fit(epochs=2)
    assert pop.losses.shape == (3, 10)


def test_an_interrupt_at_any_line_of_a_population_fit_leaves_consistent_members(monkeypatch):
    monkeypatch.setattr(training, "_MAX_CHUNK_EPOCHS", 4)  # 3 chunks: every commit path runs

    class LineInterrupt:
        def __init__(self, at):
            self.at, self.count = at, 0

        def __call__(self, frame, event, arg):
            return self._local if frame.f_code.co_filename in TRACED else None

        def _local(self, frame, event, arg):
            if event == "line":
                self.count += 1
                if self.count == self.at:
                    raise KeyboardInterrupt
            return self._local

    def traced(pop, at):
        tracer = LineInterrupt(at)
        sys.settrace(tracer)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pop.fit(epochs=9, snapshot_every=2)
        except KeyboardInterrupt:
            pass
        finally:
            sys.settrace(None)
        return tracer.count

    total = traced(small(seeds=[0, 1]), None)
    assert total > 200
    for at in range(1, total + 1, max(1, total // 120)):  # ~120 places spread over the fit
        pop = small(seeds=[0, 1])
        traced(pop, at)
        try:
            check_member_consistent(pop)
            epochs = {m.history.epochs for m in pop}
            pop.fit(epochs=2)
            check_member_consistent(pop)
            assert {m.history.epochs for m in pop} == {e + 2 for e in epochs}
        except (AssertionError, TrainingBusy) as e:
            raise AssertionError(f"interrupt at line event {at}: {e}") from e


def test_a_diverging_member_stops_alone_and_the_others_train_on():
    pop = small()
    with pytest.warns(UserWarning, match="members 1 \\(seed 1\\) diverged"):
        pop.fit(epochs=6, lr=[0.01, 1e30, 0.01], optimizer="sgd")
    assert pop[1].history.stopped == "diverged"
    for m in pop:
        check_history(m.history)
        assert all(np.isfinite(W).all() for W, _ in m.params)
    assert pop[0].history.epochs == pop[2].history.epochs == 6
    assert np.isnan(pop.losses[1, -1]) and pop.best() in (pop[0], pop[2])
    everyone = small()
    with pytest.raises(TrainingDiverged, match="every member diverged"):
        everyone.fit(epochs=3, lr=1e30, optimizer="sgd")


def test_placement_splits_the_member_axis_over_the_devices():
    devices = jax.devices()
    place = population_mod._placement(devices)
    a = place(np.zeros((2 * len(devices), 3, 5), np.float32), 0)
    assert a.sharding.device_set == set(devices)
    assert population_mod.padded_members(6, 4) == 8 and population_mod.padded_members(8, 4) == 8


SHARDED = textwrap.dedent(
    """
    import jax, numpy as np
    from fcnn_widget import Population, datasets, population
    assert len(jax.devices()) == 4, jax.devices()
    data = datasets.make("xor", 120, test_fraction=0.25)
    runs = []
    for devices in (jax.devices(), jax.devices()[:1]):
        pop = Population([3], "relu", dataset=data, seeds=range(6))  # 6 members: padded to 8
        pop.fit(epochs=7, lr=[0.001, 0.002, 0.005, 0.01, 0.02, 0.05], batch_size=16,
                devices=devices)
        runs.append(pop)
    place = population._placement(jax.devices())
    shards = place(np.zeros((8, 2), np.float32), 0).addressable_shards
    assert sorted(s.data.shape for s in shards) == [(2, 2)] * 4, shards
    sharded, single = runs
    assert sharded.losses.shape == (6, 7)
    np.testing.assert_allclose(sharded.losses, single.losses, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(sharded.test_losses, single.test_losses, rtol=1e-5, atol=1e-7)
    for a, b in zip(sharded, single):
        for (W, c), (Wb, cb) in zip(a.params, b.params):
            np.testing.assert_allclose(W, Wb, atol=1e-5)
            np.testing.assert_allclose(c, cb, atol=1e-5)
        assert a.history.snapshot_epochs.tolist() == b.history.snapshot_epochs.tolist()
    print("ok", float(np.abs(sharded.losses - single.losses).max()))
    """
)


def test_sharded_over_four_devices_equals_one_device():
    env = dict(os.environ)
    env["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["JAX_PLATFORMS"] = "cpu"
    out = subprocess.run(
        [sys.executable, "-c", SHARDED], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ok"), out.stdout


def test_an_optax_object_trains_every_member_as_a_lone_fit():
    import optax

    tx = optax.chain(optax.clip_by_global_norm(0.5), optax.adam(0.01))  # mixes the layers
    pop = small(seeds=[0, 1])
    pop.fit(epochs=4, optimizer=tx, batch_size=16)
    for i in range(2):
        lone = FCNN([3], "relu", dataset=DATA, seed=i)
        lone.fit(epochs=4, optimizer=tx, batch_size=16)
        assert largest_difference(lone, pop[i]) < 1e-5
        assert pop[i].describe() == lone.describe()


@pytest.mark.parametrize("name", ["adam", "sgd", "rmsprop", "adagrad"])
def test_a_named_optimizers_flat_update_equals_its_per_layer_update(name):
    """Named optimizers update one flat parameter vector; the same optax optimizer passed as
    an object updates the list of layers: the numbers must agree."""
    import optax

    flat = FCNN([5, 5], "relu", dataset=DATA, seed=3)
    flat.fit(epochs=5, lr=0.01, batch_size=16, optimizer=name)
    per_layer = FCNN([5, 5], "relu", dataset=DATA, seed=3)
    per_layer.fit(epochs=5, batch_size=16, optimizer=training.OPTIMIZERS[name](0.01))
    assert training.updates_flat(training._named_optimizer(name))
    assert not training.updates_flat(optax.adam(0.01))
    assert largest_difference(flat, per_layer) < 1e-5
    np.testing.assert_allclose(flat.history.loss, per_layer.history.loss, rtol=1e-5)


def test_every_layer_layout_trains_the_same_numbers(monkeypatch):
    from fcnn_widget import network

    a, W = np.random.default_rng(0).normal(size=(2, 7, 3)), np.ones((3, 4))
    for layout in ("bms", "dot"):
        np.testing.assert_allclose(network.dense(a, W, layout), a @ W, 1e-6)
    for layout in network.TRANSPOSED:  # (in, batch) in, (out, batch) out
        np.testing.assert_allclose(network.dense(a[0].T, W, layout), (a[0] @ W).T, 1e-6)
    fits, pops = {}, {}
    for layout in network.LAYOUTS:
        monkeypatch.setattr(network, "layout_for", lambda widths, members=0, layout=layout: layout)
        fits[layout] = FCNN([5, 5], "sigmoid", dataset=DATA, seed=4)
        fits[layout].fit(epochs=6, batch_size=16)
        pops[layout] = Population([5, 5], "sigmoid", dataset=DATA, seeds=[4, 5])
        pops[layout].fit(epochs=6, batch_size=16)
    for layout in network.LAYOUTS:
        assert largest_difference(fits["dot"], fits[layout]) < 1e-5, layout
        np.testing.assert_allclose(fits["dot"].history.loss, fits[layout].history.loss, rtol=1e-5)
        assert largest_difference(fits["dot"], pops[layout][0]) < 1e-5, layout
        np.testing.assert_allclose(pops["dot"].losses, pops[layout].losses, rtol=1e-5)


def test_shuffles_are_permutations_keyed_by_seed_and_epoch():
    for n in (1, 2, 7, 10, 2500, 2501):  # 2501: a mixed radix past n, values cycle-walk back
        orders = training.epoch_orders(3, 0, 3, n, 1)
        for row in orders:
            assert sorted(row.tolist()) == list(range(n)), n
        if n >= 10:
            assert len({tuple(r) for r in orders}) == 3  # every epoch its own order
            assert not np.array_equal(orders[0], training.epoch_orders(4, 0, 1, n, 1)[0])
    # the same (seed, epoch) gives the same order wherever its chunk begins
    np.testing.assert_array_equal(
        training.epoch_orders(3, 0, 5, 100, 1)[2:], training.epoch_orders(3, 2, 3, 100, 1)
    )
    # not a near-identity: a sample's new place is spread over the whole epoch
    order = training.epoch_orders(0, 0, 1, 2500, 1)[0]
    assert abs(np.corrcoef(order, np.arange(2500))[0, 1]) < 0.1
    with pytest.raises(ValueError, match="samples"):
        training.permutation(jax.random.key(0), 0)
