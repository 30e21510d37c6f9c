"""``Population``: K networks of one shape, differing by seed (and learning rate), trained
together in one compiled call per chunk of epochs.

The chunk is the lone fit's (:func:`fcnn_widget.training.compiled_chunk`) with its epoch
``jax.vmap``-ed over a member axis, and each member shuffles inside it as ``FCNN(..., seed=s).fit``
does (:func:`fcnn_widget.training.epoch_order`), so ``pop[i]`` trains exactly as that lone fit. The
member axis is sharded over ``jax.devices()`` (a one-axis :class:`jax.sharding.Mesh`), so the
same call uses every GPU or TPU core there is. Each member is an :class:`FCNN` with its own
history, committed once per chunk like a lone fit's.

>>> from fcnn_widget import Population
>>> pop = Population([4], "relu", dataset="prod", seeds=range(3))
>>> _ = pop.fit(epochs=4, lr=[0.005, 0.01, 0.02])
>>> pop.losses.shape, len(pop), pop[1].seed
((3, 4), 3, 1)
>>> best = pop.best()
>>> float(best.history.loss[-1]) == float(pop.losses[:, -1].min())
True
"""

from __future__ import annotations

import numbers
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import datasets, limits, network, training
from . import history as history_mod
from .datasets import Dataset
from .model import FCNN, _train_targets, as_dataset
from .regions import count_text

__all__ = ["BEST_BY", "Population", "padded_members"]

BEST_BY = ("train", "test")


class Population:
    """K networks of one shape (``dims``, ``activation``, ``dataset`` as for :class:`FCNN`),
    member i initialised and shuffled from ``seeds[i]``.

    ``pop[i]`` is member i, an :class:`FCNN` (its own history, parameters and dataset);
    ``pop.losses`` the (K, epochs) train losses; :meth:`best` the member with the lowest
    final loss.
    """

    def __init__(
        self,
        dims: Sequence[int],
        activation: str = "relu",
        *,
        dataset: str | Dataset | tuple = "prod",
        seeds: Sequence[int] | range = range(16),
    ) -> None:
        seeds = _check_seeds(seeds)
        data = as_dataset(dataset)
        first = FCNN(dims, activation, dataset=data, seed=seeds[0])
        self.members: list[FCNN] = [first] + [
            FCNN(first.dims, first.activation, dataset=data, seed=s) for s in seeds[1:]
        ]
        self.seeds = seeds
        self._stop_requested = False
        self.progress: training.Progress | None = None

    # -- reading ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.members)

    def __getitem__(self, i: int) -> FCNN:
        return self.members[i]

    def __iter__(self) -> Iterator[FCNN]:
        return iter(self.members)

    @property
    def dataset(self) -> Dataset:
        return self.members[0].dataset

    @property
    def widths(self) -> list[int]:
        return self.members[0].widths

    @property
    def activation(self) -> str:
        return self.members[0].activation

    @property
    def losses(self) -> np.ndarray:
        """(K, epochs) train losses; a member with fewer epochs (it diverged) ends in NaN."""
        return self._curves("loss")

    @property
    def test_losses(self) -> np.ndarray | None:
        return self._curves("test_loss")

    @property
    def accuracies(self) -> np.ndarray | None:
        return self._curves("accuracy")

    @property
    def test_accuracies(self) -> np.ndarray | None:
        return self._curves("test_accuracy")

    def _curves(self, name: str) -> np.ndarray | None:
        records = [m.history.record for m in self.members]
        rows = [getattr(r, name) for r in records]
        if all(row is None for row in rows):
            return None
        out = np.full((len(rows), max(r.epochs for r in records)), np.nan, np.float32)
        for i, row in enumerate(rows):
            if row is not None:
                out[i, : len(row)] = row
        return out

    def final_losses(self, by: str = "train") -> np.ndarray:
        """Each member's last loss (train or test); NaN for an untrained or diverged member."""
        by = _check_by(by)
        if by == "test" and self.dataset.X_test is None:
            raise ValueError(
                "by='test' needs a dataset with a test split (e.g. dataset=datasets.make(name, "
                "test_fraction=0.2)); this population has none, use by='train'"
            )
        out = np.full(len(self), np.nan, np.float32)
        for i, m in enumerate(self.members):
            r = m.history.record
            curve = r.loss if by == "train" else r.test_loss
            if r.stopped != "diverged" and curve is not None and len(curve):
                out[i] = curve[-1]
        return out

    def best(self, by: str = "train") -> FCNN:
        """The member with the lowest final loss, train (``by="train"``) or test (``"test"``)."""
        finals = self.final_losses(by)
        if not np.isfinite(finals).any():
            raise ValueError(
                "no member has a final loss to compare: fit the population first "
                "(every member is untrained or diverged)"
            )
        return self.members[int(np.nanargmin(finals))]

    def describe(self) -> str:
        first = self.members[0]
        own, regions = first.describe(), count_text(first)  # its regions are its own alone
        text = f"{len(self)} × {own.removesuffix(regions) if regions else own}"
        lrs = sorted({m.last_settings.lr for m in self.members if m.last_settings is not None})
        if len(lrs) > 1 and None not in lrs:
            text = text.replace(f" lr={self.members[0].last_settings.lr:g}", "")
            text += f", lr {lrs[0]:g}..{lrs[-1]:g}"
        finals = self.final_losses()
        if np.isfinite(finals).any():
            text += (
                f"; final loss min {np.nanmin(finals):.5g}, median {np.nanmedian(finals):.5g}, "
                f"max {np.nanmax(finals):.5g}"
            )
        return text

    def __repr__(self) -> str:
        return f"Population({self.describe()}, dataset={self.dataset.name!r})"

    # -- training -------------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask a running :meth:`fit` to end after its current chunk (so does ``pop[i].stop()``)."""
        self._stop_requested = True

    def fit(
        self,
        epochs: int = 100,
        lr: float | Sequence[float] | None = None,
        batch_size: int = 100,
        optimizer: str | optax.GradientTransformation = "adam",
        *,
        snapshot_every: int = 1,
        callback: Callable[[Population], object] | None = None,
        devices: Sequence | None = None,
    ) -> Population:
        """Train every member ``epochs`` more epochs, all in one compiled call per chunk.

        Arguments as :meth:`FCNN.fit`; ``lr`` may also be a sequence of one rate per member.
        ``devices`` (default ``jax.devices()``) are the devices the member axis is sharded
        over. ``callback(pop)`` runs after every chunk. Ctrl-C or :meth:`stop` end the fit
        after the current chunk, every member keeping its history and parameters so far. A
        member whose loss becomes NaN/Inf keeps its last finite parameters and stops
        (``history.stopped == "diverged"``) while the others train on; if every member
        diverges :class:`TrainingDiverged` is raised.
        """
        settings = self._check_fit(epochs, lr, batch_size, optimizer, snapshot_every)
        devices = _check_devices(devices)
        interrupts = training.Interrupts()
        claims: list[training.FitClaim] = []
        try:
            interrupts.install()
            frame = sys._getframe()
            for m in self.members:
                claims.append(training.take_claim(m._claims, frame=frame))
            self._stop_requested = False
            for m in self.members:
                m._stop_requested = False
            interrupts.claim = claims[0]
            self._train(settings, callback, interrupts, devices)
        finally:
            try:
                for claim in claims:
                    claim.release()
            finally:
                interrupts.restore()
        return self

    def _check_fit(self, epochs, lr, batch_size, optimizer, snapshot_every):
        """One :class:`training.Settings` per member (they differ only by ``lr``)."""
        k = len(self)
        if isinstance(lr, (str, bytes)) or not (
            lr is None or isinstance(lr, numbers.Real) or hasattr(lr, "__len__")
        ):
            raise ValueError(f"lr must be a number or a sequence of {k} numbers, got {lr!r}")
        if lr is None or isinstance(lr, numbers.Real) or np.ndim(lr) == 0:
            rates = [lr if lr is None or isinstance(lr, numbers.Real) else float(lr)] * k
        else:
            rates = np.asarray(lr).tolist() if np.ndim(lr) == 1 else list(lr)
            if len(rates) != k:
                raise ValueError(
                    f"lr has {len(rates)} values but the population has {k} members; "
                    f"pass one number, or a sequence of {k} (one per seed)"
                )
        settings = [
            training.check_settings(epochs, r, batch_size, optimizer, snapshot_every) for r in rates
        ]
        limits.check_training(self.widths, len(self.dataset), settings[0].batch_size)
        one = limits.n_params(self.widths) * 40 + 4 * len(self.dataset) * 2 * sum(self.widths)
        limits.check_bytes(k * one, f"fit of {k} members (seeds) of a population")
        return settings

    def _train(self, settings, callback, interrupts, devices) -> None:
        members, data = self.members, self.dataset
        first = members[0]
        for m, s in zip(members, settings):
            m.last_settings = s
            m.history._commit(history_mod.ended(m.history.record, None))
        s0 = settings[0]
        batch = min(s0.batch_size, len(data))
        chunk = training.chunk_epochs(len(data), s0.batch_size, first.n_weights)
        states = [training.init_optimizer(s, m._params) for m, s in zip(members, settings)]
        tx = states[0][0]
        k = len(members)
        run = training.compiled_chunk(
            first.task,
            first.activation,
            tx,
            len(data),
            batch,
            chunk,
            data.X_test is not None,
            members=True,
            layout=network.layout_for(first.widths, members=k),
        )
        width = padded_members(k, len(devices))
        place = _placement(devices)
        pad = list(range(k)) + [0] * (width - k)  # padding: copies of member 0, dropped after
        params = place(_stacked([members[i]._params for i in pad]), 0)
        opt_state = place(_stacked([states[i][1] for i in pad]), 0)
        y = _train_targets(data.y, first.task)
        Xt = data.X_test if data.X_test is not None else data.X[:1]
        yt = _train_targets(data.y_test, first.task) if data.y_test is not None else y[:1]
        X, y, Xt, yt = (place(a, None) for a in (data.X, y, Xt, yt))
        budget = max(2**18, training.SNAPSHOT_BUDGET_BYTES // k)  # 32 MB shared, >= 256 KB each
        active = list(range(k))  # members still training (not diverged)
        diverged: list[tuple[int, str]] = []
        progress = self.progress = training.Progress(first.history.epochs, s0.epochs)
        for m in members:
            m.progress = progress
        done = 0
        keys = place(training.shuffle_keys([self.seeds[i] for i in pad]), 0)
        start = np.array([members[i].history.epochs for i in pad], np.int32)
        try:
            while done < s0.epochs:
                if interrupts.seen:
                    raise KeyboardInterrupt
                n_active = min(chunk, s0.epochs - done)
                records = [m.history.record for m in members]
                first_epochs = place(start + np.int32(done), 0)
                (params, opt_state), metrics, per_epoch = run(
                    params, opt_state, keys, first_epochs, n_active, X, y, Xt, yt
                )
                metrics = {key: np.asarray(v)[:n_active] for key, v in metrics.items()}
                host = jax.tree.map(np.asarray, per_epoch)  # one fetch per chunk for all
                now = jax.tree.map(np.asarray, params)
                last = done + n_active == s0.epochs
                for i in list(active):
                    try:
                        members[i]._commit_chunk(
                            records[i],
                            n_active,
                            {key: v[:, i] for key, v in metrics.items()},
                            [(W[:, i], b[:, i]) for W, b in host],
                            [(np.array(W[i]), np.array(b[i])) for W, b in now],
                            settings[i],
                            last,
                            budget,
                        )
                    except training.TrainingDiverged as error:
                        active.remove(i)
                        diverged.append((i, str(error)))
                done += n_active
                progress.done = done
                if callback is not None:
                    callback(self)
                for m in members:
                    m._notify()
                if not active:
                    break
                if self._stop_requested or any(m._stop_requested for m in members):
                    for i in active:
                        r = members[i].history.record
                        members[i].history._commit(history_mod.ended(r, "stopped"))
                    break
            if interrupts.seen:
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            for i in active:
                r = members[i].history.record
                members[i].history._commit(history_mod.ended(r, "interrupted"))
            warnings.warn(
                f"training interrupted after epoch {first.history.epochs}; every member keeps "
                "its history and the parameters of that epoch",
                stacklevel=3,
            )
        finally:
            progress.running = False
            for m in members:
                r = m.history.record
                m.history._commit(history_mod.ended(r, r.stopped))
                m._notify()
        if diverged and not active:
            progress.error = diverged[0][1]
            raise training.TrainingDiverged(
                f"every member diverged; member {diverged[0][0]}: {diverged[0][1]}"
            )
        if diverged:
            which = ", ".join(f"{i} (seed {self.seeds[i]})" for i, _ in diverged)
            warnings.warn(
                f"members {which} diverged and keep their last finite parameters; "
                f"the others trained on. Member {diverged[0][0]}: {diverged[0][1]}",
                stacklevel=3,
            )


def padded_members(k: int, n_devices: int) -> int:
    """The member count the sharded arrays hold: ``k`` rounded up to whole devices.

    >>> padded_members(16, 1), padded_members(10, 4), padded_members(3, 8)
    (16, 12, 8)
    """
    return -(-k // n_devices) * n_devices


def _stacked(trees):
    return jax.tree.map(lambda *xs: jnp.stack([jnp.asarray(x) for x in xs]), *trees)


def _placement(devices) -> Callable:
    """``place(tree, axis)``: the tree on ``devices``, its ``axis`` (the member axis) split
    over them, or replicated for ``axis=None``; on one device the arrays stay as they are."""
    if len(devices) == 1:
        return lambda tree, axis: jax.device_put(tree, devices[0])
    mesh = jax.sharding.Mesh(np.array(devices), ("members",))
    P = jax.sharding.PartitionSpec

    def place(tree, axis):
        spec = P() if axis is None else P(*([None] * axis), "members")
        return jax.device_put(tree, jax.sharding.NamedSharding(mesh, spec))

    return place


def _check_seeds(seeds) -> list[int]:
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise ValueError(
            f"seeds must be a sequence of integer seeds, one per member (e.g. range(16)), "
            f"got {seeds!r}"
        )
    seeds = [datasets.check_seed(s) for s in seeds]
    if not seeds:
        raise ValueError(
            "seeds is empty: a population needs at least one member (K >= 1); "
            "pass e.g. seeds=range(16)"
        )
    if len(set(seeds)) != len(seeds):
        repeated = sorted({s for s in seeds if seeds.count(s) > 1})
        raise ValueError(f"seeds must differ (a repeated seed trains the same network): {repeated}")
    return seeds


def _check_by(by) -> str:
    if by not in BEST_BY:
        raise ValueError(f"unknown by={by!r}; valid choices are {', '.join(BEST_BY)}")
    return by


def _check_devices(devices) -> list:
    if devices is None:
        return list(jax.devices())
    devices = list(devices)
    if not devices or not all(isinstance(d, jax.Device) for d in devices):
        raise ValueError(
            f"devices must be a non-empty list of jax devices (e.g. jax.devices()), got {devices!r}"
        )
    return devices
