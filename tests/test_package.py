"""The package as a user installs and imports it: one version, and a JAX compilation cache
that leaves a user's own JAX settings alone (each case in a fresh interpreter)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import fcnn_widget

ROOT = Path(__file__).resolve().parents[1]
REPORT = (
    "import json, jax; {before}import fcnn_widget; print(json.dumps(["
    "jax.config.jax_compilation_cache_dir, jax.config.jax_persistent_cache_min_compile_time_secs, "
    "jax.config.jax_persistent_cache_min_entry_size_bytes, {after}]))"
)


def fresh(tmp_path, before: str = "", after: str = "None", **env: str):
    """Import fcnn_widget in a new interpreter with HOME at ``tmp_path`` and no JAX cache
    settings in the environment but ``env``; its JAX cache settings afterwards."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_", "FCNN_WIDGET"))}
    clean.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT), **env)
    code = REPORT.format(before=before, after=after)
    run = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_version_is_pyprojects():
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(rf'^version = "{re.escape(fcnn_widget.__version__)}"$', text, re.M)
    assert "version" not in json.loads((ROOT / "package.json").read_text())  # private: none


def test_no_user_cache_gets_ours_and_caches_small_programs(tmp_path):
    train = "len(fcnn_widget.FCNN([3], dataset='prod').fit(epochs=2).loss)"
    directory, min_time, min_size, _ = fresh(tmp_path, after=train)
    assert directory == str(tmp_path / ".cache/fcnn_widget/jax")
    assert (min_time, min_size) == (0.0, 0)  # entry size: JAX's default, untouched
    assert any(Path(directory).iterdir())  # the fit's programs were written there


def test_a_users_cache_directory_is_kept(tmp_path):
    mine = str(tmp_path / "mine")
    assert fresh(tmp_path, JAX_COMPILATION_CACHE_DIR=mine)[:2] == [mine, 1.0]
    set_first = f"jax.config.update('jax_compilation_cache_dir', {mine!r}); "
    assert fresh(tmp_path, before=set_first)[:2] == [mine, 1.0]
    assert not (tmp_path / ".cache").exists()


def test_a_users_threshold_and_switches_are_kept(tmp_path):
    directory, min_time, *_ = fresh(tmp_path, JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="2.5")
    assert directory == str(tmp_path / ".cache/fcnn_widget/jax") and min_time == 2.5
    off = "jax.config.update('jax_enable_compilation_cache', False); "
    assert fresh(tmp_path, before=off)[:2] == [None, 1.0]
    assert fresh(tmp_path, FCNN_WIDGET_CACHE="off")[:2] == [None, 1.0]
    other = str(tmp_path / "elsewhere")
    assert fresh(tmp_path, FCNN_WIDGET_CACHE=other)[:2] == [other, 0.0]


def test_an_unwritable_home_means_no_cache_not_an_error(tmp_path):
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    assert fresh(home)[:2] == [None, 1.0]


@pytest.mark.parametrize(
    "name", ["py.typed", "static/widget.js", "static/standalone.js", "static/compare.js"]
)
def test_the_package_ships_its_files(name):
    assert (ROOT / "fcnn_widget" / name).is_file()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
