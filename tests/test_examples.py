"""The example scripts run end to end, each in a fresh process writing into a temporary folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TIMEOUT = 300


def run(script: Path, *args, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, str(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_digits_example(tmp_path):
    out = run(EXAMPLES / "digits.py", tmp_path / "out", "--epochs", 10, cwd=tmp_path)
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", out).group(1))
    assert accuracy > 0.8, out
    assert "64-32-16-10 relu, adam lr=0.003, 10 epochs, batch 64" in out
    folder = tmp_path / "out" / "digits"
    assert ET.parse(folder / "sample_0.svg").getroot().tag.endswith("svg")
    summary = (folder / "summary.txt").read_text()
    assert f"test accuracy: {accuracy:.4f}" in summary


def test_seed_demo_example(tmp_path):
    # A copy, so the README figure it refreshes (beside the script) lands in tmp_path too.
    script = tmp_path / "seed_demo.py"
    shutil.copy(EXAMPLES / "seed_demo.py", script)
    run(script, tmp_path / "out", cwd=tmp_path)
    for name in ("prod_relu_4", "prod_relu_5_5", "prod_sigmoid_4"):
        folder = tmp_path / "out" / name
        for file in ("sample_10.svg", "sample_1027.svg", "params.npz", "summary.txt"):
            assert (folder / file).stat().st_size > 0, folder / file
        with np.load(folder / "params.npz") as params:
            assert params["loss"].shape == (250,) and np.isfinite(params["loss"]).all()
        assert "250 epochs" in (folder / "summary.txt").read_text()


def test_live_training_notebook_runs(tmp_path):
    """examples/live_training.ipynb as a kernel runs it: top-level await, epoch scrub, HTML."""
    import nbclient
    import nbformat

    nb = nbformat.read(EXAMPLES / "live_training.ipynb", as_version=4)
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    printed = "".join(o.get("text", "") for o in nb.cells[3].outputs)
    assert "2-5-5-1 relu" in printed and "400 epochs" in printed
    assert (tmp_path / "watch_it_learn.html").stat().st_size > 10_000


def test_marimo_demo_runs_in_marimo(tmp_path):
    """examples/marimo_demo.py run by marimo's own kernel (`marimo export html` runs every
    cell as `marimo edit` does): the reactive cell reads the widget's sample."""
    import pytest

    pytest.importorskip("marimo")
    shutil.copy(EXAMPLES / "marimo_demo.py", tmp_path)
    out = tmp_path / "demo.html"
    result = subprocess.run(
        [sys.executable, "-m", "marimo", "-q", "-y", "export", "html", "marimo_demo.py"]
        + ["-o", str(out), "--no-sandbox"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    page = out.read_text()
    assert re.search(r"Sample \\u003Cstrong\\u003E10\\u003C/strong\\u003E at epoch 250", page), (
        page[:2000]
    )
