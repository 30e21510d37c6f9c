"""Harness that drives a real JupyterLab 4 / Notebook 7 server from pytest.

Pieces
------
``JupyterServer``
    Starts ``python -m jupyter lab`` (or ``notebook``) on a free port with a random
    token, a throw-away root dir and throw-away config/data/runtime/settings dirs,
    waits for ``/api/status`` and stops it again (``/api/shutdown``, terminate, kill).
    The one ``jupyter lab`` server also serves the Notebook 7 UI (``/notebooks/...``).
``launch_browser(playwright)``
    Debian's headless Chromium with the flags this machine needs.
``Lab``
    Server + browser. ``Lab.open_notebook(nb, app="lab"|"notebook")`` writes the
    notebook into the server root, opens it in a new page and waits for an idle kernel.
``NotebookPage``
    One opened notebook: ``run_all()``, ``execute(code)`` (runs code in the *same*
    kernel over ZMQ, no cells added), ``kernel_value(expr)``, ``wait_for(js)``,
    ``wait_for_kernel(expr)``, ``screenshot(target, name)``, console/page errors.

All timeouts are in **seconds**.

Example::

    def test_widget(lab):
        nb = lab.open_notebook(["import ipywidgets as W; s = W.IntSlider(); s"])
        nb.run_all()
        nb.page.locator(".widget-slider .noUi-handle").press("ArrowRight")
        nb.wait_for_kernel("s.value == 1")
        assert nb.execute("print(s.value)").strip() == "1"
        nb.screenshot(None, "slider")
        nb.assert_no_errors()
"""

from __future__ import annotations

import ast
import atexit
import concurrent.futures
import contextlib
import copy
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

TESTS_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = TESTS_DIR.parent
ARTIFACTS_DIR = TESTS_DIR / "artifacts"

CHROMIUM_PATH = os.environ.get("FCNN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No internet here: make any non-local host fail at once instead of hanging.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1400, "height": 1000}

SERVER_START_TIMEOUT = 120.0
KERNEL_START_TIMEOUT = 120.0

# Console messages that say nothing about the code under test.
DEFAULT_IGNORED_CONSOLE = (
    re.compile(r"favicon", re.I),
    re.compile(r"ERR_NAME_NOT_RESOLVED"),  # blocked internet (see CHROMIUM_ARGS)
)

# Uncaught errors thrown by the Jupyter front ends themselves, whatever the notebook
# holds: (app, message regex, stack regex). They are kept in
# ``NotebookPage.known_page_errors`` instead of ``page_errors``.
KNOWN_UPSTREAM_PAGE_ERRORS = (
    # Notebook 7.6 shortcuts plugin: on settings pluginChanged it reads
    # registry.plugins[id].schema for a plugin id the registry does not hold.
    ("notebook", re.compile(r"reading 'schema'"), re.compile(r"notebook_core")),
)


class HarnessError(RuntimeError):
    """Something in the harness (server, page, kernel) did not get ready in time."""


class KernelExecutionError(RuntimeError):
    """Code sent with ``NotebookPage.execute`` raised in the kernel."""

    def __init__(self, ename: str, evalue: str, traceback: list[str], code: str):
        self.ename, self.evalue, self.traceback, self.code = ename, evalue, traceback, code
        tb = "\n".join(_ANSI.sub("", line) for line in traceback)
        super().__init__(f"{ename}: {evalue}\n--- code ---\n{code}\n--- traceback ---\n{tb}")


class CellErrors(AssertionError):
    """``run_all`` finished but at least one cell shows an error output."""


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def wait_until(
    predicate: Callable[[], Any],
    timeout: float = 30.0,
    interval: float = 0.1,
    message: str | Callable[[], str] = "condition",
) -> Any:
    """Poll ``predicate()`` until it returns something truthy; return that value.

    Exceptions raised by the predicate count as "not yet" (the last one is
    chained onto the ``TimeoutError``), except ``HarnessError``, which is fatal.
    """
    deadline = time.monotonic() + timeout
    last_exc: BaseException | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except HarnessError:
            raise  # fatal: no point in waiting longer
        except Exception as exc:  # noqa: BLE001 - polled, reported on timeout
            last_exc = exc
        if time.monotonic() >= deadline:
            msg = message() if callable(message) else message
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {msg}") from last_exc
        time.sleep(interval)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the parent dies (Linux only), so a
    killed pytest/script does not leave a server (and its kernels) running. The
    server shuts its kernels down on SIGTERM."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


# --------------------------------------------------------------------------- notebooks


def execute_saved(source: str, path: Path, timeout: float = 300) -> Any:
    """Run one code cell with nbclient, widget state stored, and write it to ``path``: a
    notebook as a user saves it. Returns the executed ``nbformat`` notebook."""
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", store_widget_state=True
    ).execute()
    nbformat.write(nb, path)
    return nb


def make_notebook(cells: Iterable[str | Mapping[str, Any]]) -> dict:
    """Build an nbformat-4 notebook dict from code strings (or ready cell dicts).

    A string starting with ``"# %% [markdown]\\n"`` becomes a markdown cell.
    """
    nb_cells = []
    for cell in cells:
        if isinstance(cell, Mapping):
            nb_cells.append(dict(cell))
            continue
        if cell.startswith("# %% [markdown]\n"):
            nb_cells.append(
                {"cell_type": "markdown", "metadata": {}, "source": cell.split("\n", 1)[1]}
            )
        else:
            nb_cells.append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": cell,
                }
            )
    return _with_kernelspec({"cells": nb_cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _with_kernelspec(nb: dict) -> dict:
    """Make sure the notebook names the python3 kernel (else Lab asks in a dialog)."""
    meta = nb.setdefault("metadata", {})
    meta.setdefault(
        "kernelspec",
        {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    )
    meta.setdefault("language_info", {"name": "python"})
    nb.setdefault("nbformat", 4)
    nb.setdefault("nbformat_minor", 5)
    for i, cell in enumerate(nb.get("cells", [])):
        cell.setdefault("metadata", {})
        if nb.get("nbformat_minor", 0) >= 5:
            cell.setdefault("id", f"cell-{i}")
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    return nb


# --------------------------------------------------------------------------- server


class JupyterServer:
    """A real ``jupyter lab`` (or ``jupyter notebook``) server in a subprocess.

    ``app``: ``"lab"`` (serves /lab and, with the notebook package installed, the
    Notebook 7 pages /tree and /notebooks too) or ``"notebook"``.
    Everything the server writes (config, runtime/connection files, settings,
    workspaces, notebooks, its log) lives under ``self.base_dir``, a temp dir.
    Kernels inherit ``PYTHONPATH`` with the repo root so they import the work tree.
    """

    def __init__(
        self,
        app: str = "lab",
        *,
        base_dir: str | Path | None = None,
        startup_timeout: float = SERVER_START_TIMEOUT,
        extra_args: Iterable[str] = (),
        extra_env: Mapping[str, str] | None = None,
        pythonpath: Iterable[str | Path] = (REPO_ROOT,),
    ):
        if app not in ("lab", "notebook"):
            raise ValueError(f"app must be 'lab' or 'notebook', not {app!r}")
        self.app = app
        self._own_base = base_dir is None
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix=f"jupyter-{app}-harness-"))
        self.root_dir = self.base_dir / "root"
        self.config_dir = self.base_dir / "config"
        self.data_dir = self.base_dir / "data"
        self.runtime_dir = self.base_dir / "runtime"
        self.settings_dir = self.base_dir / "user-settings"
        self.workspaces_dir = self.base_dir / "workspaces"
        self.ipython_dir = self.base_dir / "ipython"
        self.log_path = self.base_dir / "server.log"
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.extra_env = dict(extra_env or {})
        self.pythonpath = [str(p) for p in pythonpath]
        self.token = secrets.token_hex(24)
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._log_file = None
        self._atexit_registered = False

    # -- lifecycle -----------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "", **query: str) -> str:
        """Browser URL for ``path`` (e.g. ``"lab/tree/x.ipynb"``) with the token added."""
        q = {"token": self.token, **query}
        return f"{self.base_url}/{path.lstrip('/')}?{urllib.parse.urlencode(q)}"

    def _prepare_dirs(self) -> None:
        for d in (
            self.root_dir,
            self.config_dir,
            self.data_dir,
            self.runtime_dir,
            self.settings_dir,
            self.workspaces_dir,
            self.ipython_dir,
        ):
            d.mkdir(parents=True, exist_ok=True)
        # No news/update toasts over screenshots; toasts stay in the notification centre.
        notif = self.settings_dir / "@jupyterlab" / "apputils-extension"
        notif.mkdir(parents=True, exist_ok=True)
        (notif / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True})
        )
        # Expose window.jupyterapp in both front ends (so commands can be run).
        cfg = {
            "LabApp": {
                "expose_app_in_browser": True,
                "news_url": None,
                "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
            },
            "JupyterNotebookApp": {"expose_app_in_browser": True},
            "ServerApp": {
                "terminals_enabled": False,
                # No node-based "is the lab build up to date" check from the page.
                "tornado_settings": {
                    "page_config_data": {"buildCheck": False, "buildAvailable": False}
                },
            },
        }
        for name in (
            "jupyter_server_config.json",
            "jupyter_lab_config.json",
            "jupyter_notebook_config.json",
        ):
            (self.config_dir / name).write_text(json.dumps(cfg, indent=1))

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var in ("JUPYTER_PATH", "JUPYTER_PREFER_ENV_PATH", "JUPYTER_TOKEN", "JUPYTERLAB_DIR"):
            env.pop(var, None)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.config_dir),
            JUPYTER_DATA_DIR=str(self.data_dir),
            JUPYTER_RUNTIME_DIR=str(self.runtime_dir),
            JUPYTERLAB_SETTINGS_DIR=str(self.settings_dir),
            JUPYTERLAB_WORKSPACES_DIR=str(self.workspaces_dir),
            IPYTHONDIR=str(self.ipython_dir),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONUNBUFFERED="1",
            # A kernelspec's "python" is found on PATH: make it this venv's, whatever venv
            # the calling shell had activated.
            PATH=os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")]),
            # Kernels start from the venv python (kernelspec argv[0] "python" ->
            # sys.executable of the server); make `import fcnn_widget` hit the work tree.
            PYTHONPATH=os.pathsep.join(
                self.pythonpath + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
            ),
        )
        env.update(self.extra_env)
        return env

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "jupyter",
            self.app,
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.open_browser=False",
            "--KernelSpecManager.ensure_native_kernel=True",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
            "--LabApp.expose_app_in_browser=True",
            "--JupyterNotebookApp.expose_app_in_browser=True",
            *self.extra_args,
        ]

    def start(self) -> JupyterServer:
        if self.proc is not None:
            return self
        self._prepare_dirs()
        last_error: Exception | None = None
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = free_port()
            self._log_file = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                self.command(),
                cwd=self.root_dir,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: kernels die with it
                preexec_fn=_die_with_parent,
            )
            if not self._atexit_registered:
                # A script that never reaches stop() must not leave a server behind.
                atexit.register(self.stop)
                self._atexit_registered = True
            try:
                wait_until(
                    self._status_ok,
                    timeout=self.startup_timeout,
                    interval=0.25,
                    message=lambda: f"jupyter {self.app} /api/status\n{self.log_tail()}",
                )
                self._check_kernelspec()
                return self
            except Exception as exc:  # noqa: BLE001
                last_error = exc
                self._kill()
                if "address already in use" not in self.log_tail().lower():
                    break
        raise HarnessError(f"jupyter {self.app} did not start:\n{self.log_tail()}") from last_error

    def _status_ok(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise HarnessError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
        try:
            return self.api("GET", "api/status", timeout=5) is not None
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def _check_kernelspec(self) -> None:
        specs = self.api("GET", "api/kernelspecs")
        if "python3" not in specs.get("kernelspecs", {}):
            raise HarnessError(f"no python3 kernelspec: {sorted(specs.get('kernelspecs', {}))}")
        argv = specs["kernelspecs"]["python3"]["spec"]["argv"]
        exe = argv[0]
        # jupyter_client swaps "python"/"python3"/"python3.X" for the server's sys.executable.
        if exe not in (
            "python",
            f"python{sys.version_info[0]}",
            f"python{sys.version_info[0]}.{sys.version_info[1]}",
        ):
            if Path(exe).resolve() != Path(sys.executable).resolve():
                raise HarnessError(f"python3 kernelspec runs {exe}, not {sys.executable}")

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self.api("POST", "api/shutdown", timeout=5)  # shuts kernels down cleanly
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        self._kill()

    def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            # Leftover kernels in the server's own process group (only ours).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def cleanup(self) -> None:
        self.stop()
        if self._own_base:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> JupyterServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    # -- REST ----------------------------------------------------------------
    def api(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        """Call the REST API with the token; returns decoded JSON (or None)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.base_url}/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def sessions(self) -> list[dict]:
        return self.api("GET", "api/sessions")

    def kernel_id_for(self, path: str) -> str | None:
        """Kernel id of the session of notebook ``path`` (relative to the root), if any."""
        for s in self.sessions():
            if s.get("path") == path and s.get("kernel"):
                return s["kernel"]["id"]
        return None

    def connection_file(self, kernel_id: str) -> Path:
        return self.runtime_dir / f"kernel-{kernel_id}.json"

    def shutdown_session_for(self, path: str) -> None:
        for s in self.sessions():
            if s.get("path") == path:
                with contextlib.suppress(Exception):
                    self.api("DELETE", f"api/sessions/{s['id']}")

    # -- files ---------------------------------------------------------------
    def write_notebook(self, nb: Any, name: str) -> str:
        """Write ``nb`` (dict / NotebookNode / path of an .ipynb / list of code strings)
        as ``name`` under the root; returns the root-relative path."""
        if isinstance(nb, (str, Path)) and Path(nb).suffix == ".ipynb" and Path(nb).exists():
            data = json.loads(Path(nb).read_text())
        elif isinstance(nb, (list, tuple)):
            data = make_notebook(nb)
        elif isinstance(nb, Mapping):
            data = json.loads(json.dumps(nb))  # NotebookNode -> plain dict, deep copy
        else:
            raise TypeError(f"cannot make a notebook from {type(nb).__name__}: {nb!r:.80}")
        data = _with_kernelspec(data)
        target = self.root_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, indent=1))
        return target.relative_to(self.root_dir).as_posix()


# --------------------------------------------------------------------------- browser


def launch_browser(playwright, headless: bool = True, **kwargs):
    """Launch Debian's Chromium (never a Playwright-downloaded build)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM_PATH, headless=headless, args=list(CHROMIUM_ARGS), **kwargs
    )


# Installed in every page before the app's own scripts.
_INIT_JS = r"""
(() => {
  const H = {
    isPanel(w) { return !!(w && w.context && w.content && w.sessionContext && w.content.model !== undefined); },
    panel(path) {
      const app = window.jupyterapp;
      if (!app || !app.shell) return null;
      const cur = app.shell.currentWidget;
      if (H.isPanel(cur) && (!path || cur.context.path === path)) return cur;
      try {
        for (const w of app.shell.widgets('main')) {
          if (H.isPanel(w) && (!path || w.context.path === path)) return w;
        }
      } catch (e) { /* shell without widgets() */ }
      return null;
    },
    state(path) {
      const app = window.jupyterapp;
      const p = H.panel(path);
      if (!p) return { ready: false, reason: app ? 'no notebook panel' : 'no window.jupyterapp' };
      const sc = p.sessionContext;
      const k = sc.session ? sc.session.kernel : null;
      const st = {
        contextReady: p.context.isReady, sessionReady: sc.isReady,
        kernelId: k ? k.id : null, status: k ? k.status : null,
        connection: k ? k.connectionStatus : null, pendingInput: !!sc.pendingInput,
      };
      st.ready = !!(st.contextReady && st.sessionReady && k && st.status === 'idle' && st.connection === 'connected');
      st.reason = st.ready ? '' : JSON.stringify(st);
      return st;
    },
    cells(path) {
      const p = H.panel(path);
      if (!p) return null;
      return p.content.widgets.map((c, i) => {
        const m = c.model;
        const out = { index: i, type: m.type, source: m.sharedModel.getSource() };
        if (m.type === 'code') {
          const prompt = c.promptNode ? c.promptNode.textContent : '';
          out.executionCount = m.executionCount;
          out.running = m.executionState === 'running' || prompt.includes('*');
          out.errors = m.outputs.toJSON().filter(o => o.output_type === 'error')
            .map(o => ({ ename: o.ename, evalue: o.evalue, traceback: o.traceback }));
        }
        return out;
      });
    },
  };
  window.__harness = H;
})();
"""


class _KernelClient:
    """A ``BlockingKernelClient`` confined to one worker thread (its own asyncio
    loop, away from Playwright's greenlet loop; ZMQ sockets stay in one thread)."""

    def __init__(self, connection_file: Path, timeout: float):
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kernel-client")
        self.kc = self._call(self._connect, connection_file, timeout, timeout=timeout + 10)

    def _call(self, fn, *args, timeout: float):
        return self._pool.submit(fn, *args).result(timeout=timeout)

    @staticmethod
    def _connect(connection_file: Path, timeout: float):
        from jupyter_client import BlockingKernelClient

        kc = BlockingKernelClient(connection_file=str(connection_file))
        kc.load_connection_file()
        kc.start_channels()
        kc.wait_for_ready(timeout=timeout)
        # Beat the ZMQ slow-joiner: IOPub must deliver our own status messages.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg_id = kc.kernel_info()
            end = time.monotonic() + 2
            while time.monotonic() < end:
                try:
                    msg = kc.get_iopub_msg(timeout=0.2)
                except Exception:  # noqa: BLE001 - queue.Empty
                    continue
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    # drain the kernel_info reply
                    with contextlib.suppress(Exception):
                        kc.get_shell_msg(timeout=2)
                    return kc
            with contextlib.suppress(Exception):
                kc.get_shell_msg(timeout=0.1)
        raise HarnessError("kernel IOPub channel never delivered messages")

    def execute(self, code: str, timeout: float) -> dict:
        return self._call(self._execute, code, timeout, timeout=timeout + 10)

    def _execute(self, code: str, timeout: float) -> dict:
        out: dict[str, list] = {"stdout": [], "stderr": [], "results": [], "error": []}

        def hook(msg):
            t, c = msg["msg_type"], msg["content"]
            if t == "stream":
                out["stdout" if c.get("name") == "stdout" else "stderr"].append(c.get("text", ""))
            elif t in ("execute_result", "display_data"):
                text = c.get("data", {}).get("text/plain")
                if text is not None:
                    out["results"].append(text)
            elif t == "error":
                out["error"].append(c)

        reply = self.kc.execute_interactive(
            code, store_history=False, allow_stdin=False, timeout=timeout, output_hook=hook
        )
        out["reply"] = reply["content"]
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self.kc.stop_channels, timeout=10)
        self._pool.shutdown(wait=False)


class NotebookPage:
    """One notebook opened in its own browser page (Lab or Notebook 7)."""

    def __init__(self, lab: Lab, server: JupyterServer, context, page, path: str, app: str):
        self.lab = lab
        self.server = server
        self.context = context
        self.page = page
        self.path = path
        self.app = app
        self.console_messages: list[dict] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.page_error_stacks: list[str] = []
        self.known_page_errors: list[str] = []
        self.last_stderr = ""
        self._kc: _KernelClient | None = None
        self._kernel_id: str | None = None
        self._run_counter = itertools.count()
        self.closed = False
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)

    def _on_console(self, msg) -> None:
        loc = msg.location or {}
        entry = {"type": msg.type, "text": msg.text, "url": loc.get("url", "")}
        self.console_messages.append(entry)
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} ({entry['url']})" if entry["url"] else msg.text)

    def _on_pageerror(self, exc) -> None:
        msg = str(exc)
        stack = getattr(exc, "stack", None) or msg
        for app, msg_re, stack_re in KNOWN_UPSTREAM_PAGE_ERRORS:
            if app == self.app and msg_re.search(msg) and stack_re.search(stack):
                self.known_page_errors.append(stack)
                return
        self.page_errors.append(msg)
        self.page_error_stacks.append(stack)

    # -- errors --------------------------------------------------------------
    def errors(self, ignore: Iterable[str | re.Pattern] = ()) -> list[str]:
        """Console errors + uncaught page errors, minus ``ignore`` regexes and benign ones."""
        pats = [re.compile(p) if isinstance(p, str) else p for p in ignore]
        pats += list(DEFAULT_IGNORED_CONSOLE)
        msgs = [f"console: {m}" for m in self.console_errors] + [
            f"pageerror: {m}" for m in self.page_errors
        ]
        return [m for m in msgs if not any(p.search(m) for p in pats)]

    def assert_no_errors(self, ignore: Iterable[str | re.Pattern] = ()) -> None:
        errs = self.errors(ignore)
        assert not errs, "browser errors:\n" + "\n".join(errs)

    # -- waiting -------------------------------------------------------------
    def wait_for(
        self, js_predicate: str, timeout: float = 30.0, arg: Any = None, polling: int = 100
    ) -> Any:
        """Wait until the JS expression/function is truthy in the page; return its value.

        ``js_predicate`` is an expression (``"document.querySelector('.x')"``) or a
        function (``"(arg) => ..."``) that gets ``arg``.
        """
        handle = self.page.wait_for_function(
            js_predicate, arg=arg, timeout=timeout * 1000, polling=polling
        )
        try:
            return handle.json_value()
        except Exception:  # noqa: BLE001 - DOM nodes etc. are not serialisable
            return True

    def state(self) -> dict:
        return self.page.evaluate("(p) => window.__harness.state(p)", self.path)

    def cells(self) -> list[dict]:
        """Summary of every cell: type, source, executionCount, running, errors."""
        return self.page.evaluate("(p) => window.__harness.cells(p)", self.path) or []

    def wait_kernel_idle(self, timeout: float = KERNEL_START_TIMEOUT) -> dict:
        """Wait until the notebook is loaded and its kernel is connected and idle."""
        try:
            self.wait_for(
                "(p) => window.__harness && window.__harness.state(p).ready",
                timeout,
                arg=self.path,
                polling=250,
            )
        except Exception as exc:
            raise HarnessError(
                f"{self.app}: kernel of {self.path} not idle in {timeout}s: {self._state_safe()}"
            ) from exc
        return self.state()

    def _state_safe(self) -> Any:
        try:
            return self.state()
        except Exception as exc:  # noqa: BLE001
            return f"<no state: {exc}>"

    def command(
        self,
        command_id: str,
        args: Mapping[str, Any] | None = None,
        timeout: float = 60.0,
        wait: bool = True,
    ) -> Any:
        """Run a front-end command (``app.commands.execute``) on this notebook and await it
        (``wait=False``: start it and return, e.g. to watch a running cell)."""
        token = f"cmd{next(self._run_counter)}"
        self.page.evaluate(
            """([p, id, args, token]) => {
                const app = window.jupyterapp, panel = window.__harness.panel(p);
                window.__harnessCmd = window.__harnessCmd || {};
                const box = window.__harnessCmd[token] = { done: false, result: null, error: null };
                if (panel) { app.shell.activateById(panel.id); }
                Promise.resolve(app.commands.execute(id, args || {})).then(
                  r => { box.done = true; try { box.result = JSON.parse(JSON.stringify(r ?? null)); } catch (e) { box.result = String(r); } },
                  e => { box.done = true; box.error = String(e && e.stack || e); });
            }""",
            [self.path, command_id, dict(args or {}), token],
        )
        if not wait:
            return None
        box = self.wait_for(
            "(t) => window.__harnessCmd[t].done && window.__harnessCmd[t]", timeout, arg=token
        )
        if box.get("error"):
            raise HarnessError(f"command {command_id} failed: {box['error']}")
        return box.get("result")

    def select_cell(self, index: int) -> None:
        """Make cell ``index`` the active cell, the one ``notebook:run-cell`` runs (a click in a
        cell's output makes that cell active)."""
        self.page.evaluate(
            "([p, i]) => { window.__harness.panel(p).content.activeCellIndex = i; }",
            [self.path, index],
        )

    def run_all(self, timeout: float = 120.0, raise_on_error: bool = True) -> list[dict]:
        """Run all cells (``notebook:run-all-cells``) and wait until all have finished.

        Returns ``cells()``. Raises ``CellErrors`` if a cell shows an error output
        (unless ``raise_on_error=False``).
        """
        start = time.monotonic()
        self.wait_kernel_idle(timeout)
        self.command(
            "notebook:run-all-cells", timeout=max(5.0, timeout - (time.monotonic() - start))
        )

        def finished():
            if not self.state().get("ready"):
                return False
            cells = self.cells()
            code = [c for c in cells if c["type"] == "code"]
            if any(c["running"] for c in code):
                return False
            if any(c["errors"] for c in code):
                return cells  # execution stops at the first error
            if all(c["executionCount"] is not None for c in code if c["source"].strip()):
                return cells
            return False

        cells = wait_until(
            finished,
            timeout=max(5.0, timeout - (time.monotonic() - start)),
            interval=0.2,
            message=lambda: f"all cells of {self.path} to finish: {self._cells_safe()}",
        )
        errs = [c for c in cells if c.get("errors")]
        if errs and raise_on_error:
            lines = []
            for c in errs:
                for e in c["errors"]:
                    tb = "\n".join(_ANSI.sub("", t) for t in e.get("traceback") or [])
                    lines.append(f"cell {c['index']}: {e['ename']}: {e['evalue']}\n{tb}")
            raise CellErrors("\n\n".join(lines))
        return cells

    def _cells_safe(self) -> Any:
        try:
            return [
                {k: c.get(k) for k in ("index", "executionCount", "running")}
                for c in self.cells()
                if c["type"] == "code"
            ]
        except Exception as exc:  # noqa: BLE001
            return f"<no cells: {exc}>"

    # -- kernel side -----------------------------------------------------------
    @property
    def kernel_id(self) -> str:
        """Id of this notebook's kernel, from the server's /api/sessions (checked
        against the one the page is connected to)."""
        page_kid = self.state().get("kernelId")
        rest_kid = wait_until(
            lambda: self.server.kernel_id_for(self.path) or page_kid,
            timeout=30,
            message=f"a session for {self.path} in /api/sessions",
        )
        if page_kid and rest_kid != page_kid:
            rest_kid = page_kid  # the page's kernel is what the widgets talk to
        return rest_kid

    def kernel_client(self, timeout: float = 60.0) -> _KernelClient:
        kid = self.kernel_id
        if self._kc is not None and self._kernel_id == kid:
            return self._kc
        if self._kc is not None:  # kernel was restarted/changed
            self._kc.close()
            self._kc = None
        cf = self.server.connection_file(kid)
        wait_until(cf.exists, timeout=30, message=f"connection file {cf}")
        self._kc = _KernelClient(cf, timeout)
        self._kernel_id = kid
        return self._kc

    def execute(self, code: str, timeout: float = 60.0) -> str:
        """Run ``code`` in this notebook's kernel (no cell is added) and return its
        stdout plus the text/plain of any results/displays. stderr goes to
        ``self.last_stderr``. Raises ``KernelExecutionError`` if the code raises."""
        res = self.kernel_client().execute(code, timeout)
        self.last_stderr = "".join(res["stderr"])
        if res["error"] or res["reply"].get("status") == "error":
            err = res["error"][0] if res["error"] else res["reply"]
            raise KernelExecutionError(
                err.get("ename", "?"), err.get("evalue", ""), err.get("traceback", []), code
            )
        return "".join(res["stdout"]) + "\n".join(res["results"])

    def kernel_value(self, expr: str, timeout: float = 60.0) -> Any:
        """Evaluate ``expr`` in the kernel; its ``repr`` is parsed with ``ast.literal_eval``
        (the raw repr string is returned when that fails)."""
        text = self.execute(f"print(repr({expr}))", timeout).strip()
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text

    def wait_for_kernel(self, expr: str, timeout: float = 30.0, interval: float = 0.2) -> Any:
        """Poll ``expr`` in the kernel until it is truthy; return its value."""
        last: list[Any] = [None]

        def check():
            last[0] = self.kernel_value(expr)
            return last[0]

        return wait_until(
            check, timeout, interval, message=lambda: f"kernel: {expr} (last: {last[0]!r})"
        )

    # -- artifacts -------------------------------------------------------------
    def screenshot(self, target: Any = None, name: str = "screenshot", **kwargs) -> Path:
        """Save a PNG of ``target`` (None/page = viewport, or a Locator) to tests/artifacts/."""
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        fname = name if name.endswith(".png") else f"{name}.png"
        path = ARTIFACTS_DIR / re.sub(r"[^\w.\-]+", "_", fname)
        kwargs.setdefault("animations", "disabled")  # finish CSS transitions first
        (target or self.page).screenshot(path=str(path), **kwargs)
        return path

    # -- teardown ----------------------------------------------------------------
    def close(self, shutdown_kernel: bool = True) -> None:
        if self.closed:
            return
        self.closed = True
        if self._kc is not None:
            self._kc.close()
            self._kc = None
        with contextlib.suppress(Exception):
            self.context.close()
        if shutdown_kernel:
            with contextlib.suppress(Exception):
                self.server.shutdown_session_for(self.path)

    def __enter__(self) -> NotebookPage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Lab:
    """Servers plus a browser; opens notebooks as ``NotebookPage``s.

    ``server`` is a ``jupyter lab`` server (JupyterLab pages). Notebook 7 pages
    (``app="notebook"``) are served by a second, ``jupyter notebook`` server that is
    started on first use (or passed as ``notebook_server``): a /lab page request
    writes ``treePath``/``workspace`` into the server-wide page config that
    /notebooks pages of the same server then inherit (jupyterlab_server mutates
    ``settings["page_config_data"]``), and Notebook 7 then throws
    "Command 'filebrowser:open-path' not registered". Separate servers keep both
    front ends as users see them.
    """

    def __init__(
        self, server: JupyterServer, browser, notebook_server: JupyterServer | None = None
    ):
        self.server = server
        self.browser = browser
        self._notebook_server = notebook_server
        self._own_notebook_server = False
        self.pages: list[NotebookPage] = []
        self._names = itertools.count(1)
        self._workspaces = itertools.count(1)

    @property
    def root_dir(self) -> Path:
        return self.server.root_dir

    @property
    def notebook_server(self) -> JupyterServer:
        """The ``jupyter notebook`` server for Notebook 7 pages (started lazily)."""
        if self._notebook_server is None:
            self._notebook_server = JupyterServer("notebook").start()
            self._own_notebook_server = True
        return self._notebook_server

    def server_for(self, app: str) -> JupyterServer:
        if app == "lab":
            return self.server
        if app == "notebook":
            return self.notebook_server
        raise ValueError(f"app must be 'lab' or 'notebook', not {app!r}")

    def notebook_url(self, path: str, app: str = "lab") -> str:
        quoted = urllib.parse.quote(path)
        if app == "lab":
            # A fresh workspace per page: no layout restored from (or saved into)
            # the shared "default" workspace.
            workspace = f"harness-{next(self._workspaces)}"
            return self.server.url(f"lab/workspaces/{workspace}/tree/{quoted}", reset="")
        return self.server_for(app).url(f"notebooks/{quoted}")

    def open_notebook(
        self,
        nb: Any,
        app: str = "lab",
        name: str | None = None,
        timeout: float = KERNEL_START_TIMEOUT,
        viewport: Mapping[str, int] | None = None,
        wait_idle: bool = True,
    ) -> NotebookPage:
        """Write ``nb`` into the server root and open it in a new page.

        ``nb``: nbformat dict/NotebookNode, path of an .ipynb, or a list of code
        strings. ``name``: file name in the root (default: a unique one, so two
        pages never share a kernel). ``app``: ``"lab"`` (JupyterLab 4) or
        ``"notebook"`` (Notebook 7 at /notebooks/<name>). Waits until the notebook
        is loaded and its kernel idle unless ``wait_idle=False``.
        """
        server = self.server_for(app)
        if name is None:
            stem = Path(nb).stem if isinstance(nb, (str, Path)) else "harness"
            name = f"{stem}-{app}-{next(self._names)}.ipynb"
        path = server.write_notebook(nb, name)
        context = self.browser.new_context(viewport=dict(viewport or VIEWPORT))
        context.set_default_timeout(60_000)
        context.add_init_script(_INIT_JS)
        page = context.new_page()
        nbp = NotebookPage(self, server, context, page, path, app)
        self.pages.append(nbp)
        try:
            page.goto(
                self.notebook_url(path, app), wait_until="domcontentloaded", timeout=timeout * 1000
            )
            if wait_idle:
                nbp.wait_kernel_idle(timeout)
        except Exception:
            with contextlib.suppress(Exception):
                nbp.screenshot(None, f"open-failed-{Path(path).stem}")
            raise
        return nbp

    def close_pages(self) -> None:
        """Close every page opened so far (shutting their kernels down)."""
        pages, self.pages = self.pages, []
        for p in pages:
            p.close()

    def close(self) -> None:
        """Close pages and stop the servers this object started itself."""
        self.close_pages()
        if self._own_notebook_server and self._notebook_server is not None:
            self._notebook_server.cleanup()
            self._notebook_server = None


def copy_notebook(src: str | Path) -> dict:
    """Read an .ipynb as a plain dict (to tweak before ``open_notebook``)."""
    return copy.deepcopy(json.loads(Path(src).read_text()))
