"""Host detection: the rules on given module tables and environments, then each host that runs
here for real (a plain Python process, an ipykernel with and without VS Code's environment, a
marimo notebook run by marimo itself). Colab cannot run here: its rule is checked on its
module table only."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from fcnn_widget import hosts
from fcnn_widget.hosts import Host, detect, fit_in_background

REPO = Path(__file__).resolve().parent.parent
PRINT_HOST = "from fcnn_widget import hosts; h = hosts.detect(); print('HOST', h.name, h.kernel, h.mode, hosts.fit_in_background(h))"


def test_unknown_host_names_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown host 'lab'; valid hosts are jupyter, vscode"):
        Host("lab")


@pytest.mark.parametrize(
    "host, reaches, streams, background",
    [
        (Host("jupyter", kernel="7.4.0"), True, True, False),
        (Host("jupyter", kernel="6.29.5", ui_poll=True), True, True, False),
        (Host("jupyter", kernel="6.29.5"), False, True, False),  # the interrupt stops it
        (Host("vscode", kernel="7.0.1"), True, True, False),
        (Host("colab", kernel="6.17.1", ui_poll=True), True, False, False),
        (Host("colab", kernel="6.17.1"), False, False, False),  # foreground: threads drop
        (Host("marimo", mode="edit"), False, True, True),
        (Host("marimo", mode="run"), False, True, True),
        (Host("python"), False, True, False),
    ],
)
def test_what_each_host_can_do(host, reaches, streams, background):
    assert host.page_reaches_running_cell is reaches
    assert host.threads_stream is streams
    assert fit_in_background(host) is background


def test_colab_is_told_by_its_module_and_keeps_a_kernel_version():
    assert detect(modules={"google.colab": types.ModuleType("google.colab")}, environ={}) == Host(
        "colab"
    )


def test_an_imported_but_not_running_ipykernel_is_no_kernel():
    import ipykernel.kernelapp  # noqa: F401 - imported, as ipywidgets does; not started

    assert detect(environ={}).name == "python"
    assert detect(environ={"VSCODE_PID": "1"}).name == "python"  # VS Code's terminal


def test_an_imported_marimo_outside_a_notebook_is_not_marimo():
    import marimo  # noqa: F401

    assert detect(environ={}).name == "python"


def run_python(code: str, env: dict | None = None) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    ).stdout


def test_plain_python():
    assert "HOST python None None False" in run_python(PRINT_HOST)


@pytest.mark.parametrize("env, name", [({}, "jupyter"), ({"VSCODE_PID": "4242"}, "vscode")])
def test_a_real_ipykernel(env, name):
    """A kernel started as Jupyter (or VS Code, which sets VSCODE_PID for its kernels) does."""
    jupyter_client = pytest.importorskip("jupyter_client")
    import ipykernel

    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.kernel_spec.argv[0] = sys.executable
    clean = {k: v for k, v in os.environ.items() if k not in hosts.VSCODE_ENV}
    manager.start_kernel(env={**clean, "PYTHONPATH": str(REPO), **env})
    client = manager.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        out = []
        client.execute_interactive(
            PRINT_HOST, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", ""))
        )
        assert f"HOST {name} {ipykernel.__version__} None False" in "".join(out)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_a_real_marimo_notebook(tmp_path):
    """marimo runs the notebook's cells in its own kernel (here through `marimo export`, which
    executes it like `marimo edit` does); run as a script, the same file is plain Python."""
    pytest.importorskip("marimo")
    notebook = tmp_path / "nb.py"
    notebook.write_text(
        textwrap.dedent(
            f"""
            import marimo
            app = marimo.App()

            @app.cell
            def _():
                {PRINT_HOST}
                return

            if __name__ == "__main__":
                app.run()
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    marimo = [sys.executable, "-m", "marimo", "export", "html", str(notebook)]
    done = subprocess.run(
        [*marimo, "-o", str(tmp_path / "out.html")], capture_output=True, text=True, env=env
    )
    assert "HOST marimo None edit True" in done.stdout + done.stderr, done.stderr[-2000:]
    script = subprocess.run(
        [sys.executable, str(notebook)], capture_output=True, text=True, env=env
    )
    assert "HOST python None None False" in script.stdout, script.stderr[-2000:]
