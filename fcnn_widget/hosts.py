"""Which host runs this code, and what its page can do while a cell runs.

A widget's page talks to Python through its host, and hosts differ in two ways that decide
how a fit must run so that its Stop button works and the page follows:

- **Do page messages reach a running cell?** A kernel reads the page's messages between
  cells. In ipykernel a foreground fit reads them itself between chunks (:mod:`.ui_poll`:
  built in for ipykernel 7, ``jupyter_ui_poll`` for 6). marimo runs a cell to its end before
  it handles any page message, and offers no way in.
- **Do updates sent from a background thread reach the page?** Yes in Jupyter, VS Code and
  marimo (its comms are bound to the session that opened them); Colab drops them (its
  documented limitation for custom widgets), so there a fit stays in the foreground.

Where the page cannot reach a running cell but threads stream (marimo, also ``marimo run``,
which has no interrupt at all) ``w.fit`` trains in a thread and the cell returns at once.

>>> host = detect(modules={}, environ={})  # nothing imported: plain Python
>>> host.name, host.page_reaches_running_cell, host.threads_stream, fit_in_background(host)
('python', False, True, False)
>>> host = Host("marimo", mode="run")
>>> host.page_reaches_running_cell, fit_in_background(host)
(False, True)
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping

NAMES = ("jupyter", "vscode", "colab", "marimo", "python")
# Environment variables VS Code sets in the processes it starts, kernels included.
VSCODE_ENV = ("VSCODE_PID", "VSCODE_CWD")


@dataclasses.dataclass(frozen=True)
class Host:
    """Where this code runs: ``name`` one of :data:`NAMES`; ``kernel`` the ipykernel version
    (``"7.4.0"``) under a Jupyter-protocol host; ``mode`` marimo's ``"edit"``/``"run"``;
    ``ui_poll`` whether ``jupyter_ui_poll`` can be imported (ipykernel 6 needs it)."""

    name: str
    kernel: str | None = None
    mode: str | None = None
    ui_poll: bool = False

    def __post_init__(self) -> None:
        if self.name not in NAMES:
            raise ValueError(f"unknown host {self.name!r}; valid hosts are {', '.join(NAMES)}")

    @property
    def page_reaches_running_cell(self) -> bool:
        """Whether a click in the page (Stop) reaches a foreground fit while it runs.

        >>> Host("jupyter", kernel="7.4.0").page_reaches_running_cell
        True
        >>> Host("jupyter", kernel="6.29.5").page_reaches_running_cell  # no jupyter_ui_poll
        False
        >>> Host("vscode", kernel="6.29.5", ui_poll=True).page_reaches_running_cell
        True
        """
        if self.kernel is None:  # marimo, plain Python: no kernel reads the page mid-cell
            return False
        return _major(self.kernel) >= 7 or self.ui_poll

    @property
    def threads_stream(self) -> bool:
        """Whether trait updates sent from a background thread reach the page.

        >>> Host("colab", kernel="6.17.1").threads_stream, Host("marimo").threads_stream
        (False, True)
        """
        return self.name != "colab"


def fit_in_background(host: Host) -> bool:
    """Whether ``w.fit`` should train in a thread by itself: where the page cannot reach a
    running cell but threads stream, and the host shows widgets (not plain Python). That is
    marimo; Jupyter hosts reach a running cell through :mod:`.ui_poll`, and where they
    cannot, the kernel's interrupt still stops a foreground fit.

    >>> fit_in_background(Host("marimo", mode="edit")), fit_in_background(Host("colab"))
    (True, False)
    >>> fit_in_background(Host("jupyter", kernel="6.29.5"))  # interrupt it instead
    False
    """
    return host.name == "marimo" and host.threads_stream and not host.page_reaches_running_cell


def detect(
    modules: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> Host:
    """The host of this process (``modules``/``environ`` default to ``sys.modules`` and
    ``os.environ``; pass others to ask about another setting).

    >>> detect(modules={"google.colab": object()}, environ={}).name
    'colab'
    """
    modules = sys.modules if modules is None else modules
    environ = os.environ if environ is None else environ
    marimo_mode = _marimo_mode(modules)
    if marimo_mode is not None:
        return Host("marimo", mode=marimo_mode)
    kernel = _ipykernel_version(modules)
    ui_poll = kernel is not None and _major(kernel) < 7 and _importable("jupyter_ui_poll")
    if "google.colab" in modules:
        return Host("colab", kernel=kernel, ui_poll=ui_poll)
    if kernel is None:
        return Host("python")
    name = "vscode" if any(key in environ for key in VSCODE_ENV) else "jupyter"
    return Host(name, kernel=kernel, ui_poll=ui_poll)


def _marimo_mode(modules: Mapping[str, object]) -> str | None:
    """marimo's mode ("edit", "run") when a marimo notebook runs this thread, else None.
    marimo keeps its runtime context per thread; an imported marimo alone means nothing."""
    if "marimo" not in modules:
        return None
    try:
        from marimo._runtime.context.utils import get_mode, running_in_notebook
    except ImportError:  # another marimo layout: its public check only
        running = getattr(modules["marimo"], "running_in_notebook", None)
        return "edit" if callable(running) and running() else None
    return (get_mode() or "edit") if running_in_notebook() else None


def _ipykernel_version(modules: Mapping[str, object]) -> str | None:
    """The version of the ipykernel running this process as a kernel, else None."""
    app_module = modules.get("ipykernel.kernelapp")
    ipykernel = modules.get("ipykernel")
    app_class = getattr(app_module, "IPKernelApp", None)
    if ipykernel is None or app_class is None or not app_class.initialized():
        return None  # imported (as by ipywidgets) but not the running kernel
    return str(getattr(ipykernel, "__version__", "0"))


def _major(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def _importable(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
