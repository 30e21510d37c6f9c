"""JAX's persistent compilation cache, so a new process skips compiling shapes it has seen —
switched on only where the user has no cache settings of their own.

Importing :mod:`fcnn_widget` calls :func:`enable_compilation_cache`. It changes JAX's global
configuration only when the user has configured no cache: no ``jax_compilation_cache_dir``
(nor ``JAX_COMPILATION_CACHE_DIR``) and caching not switched off. Then it sets the directory
and, unless the user set it, the minimum compile time to cache (our programs compile in well
under JAX's default of one second, so with that default nothing of ours would be cached).
"""

from __future__ import annotations

import os
from pathlib import Path

import jax

_MIN_TIME = "jax_persistent_cache_min_compile_time_secs"


def enable_compilation_cache(path: str | os.PathLike | None = None) -> Path | None:
    """Point JAX's persistent cache at ``path`` (default ``$FCNN_WIDGET_CACHE`` or
    ``~/.cache/fcnn_widget/jax``); returns the directory in use, or None for no cache.

    Without ``path`` a cache the user configured is kept as it is (its directory is
    returned), and nothing is changed when they switched caching off
    (``jax_enable_compilation_cache``) or set ``FCNN_WIDGET_CACHE=off``. A directory that
    cannot be made (a read-only home) means no cache rather than an error.

    >>> enable_compilation_cache() == enable_compilation_cache()  # calling again changes nothing
    True
    """
    configured = jax.config.jax_compilation_cache_dir
    if path is None:
        if os.environ.get("FCNN_WIDGET_CACHE", "").lower() == "off":
            return None
        if configured:
            return Path(configured)
        if not jax.config.jax_enable_compilation_cache:
            return None
    setting = path or os.environ.get("FCNN_WIDGET_CACHE") or Path.home() / ".cache/fcnn_widget/jax"
    directory = Path(setting).expanduser()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # compile every time rather than fail
    jax.config.update("jax_compilation_cache_dir", str(directory))
    if _MIN_TIME.upper() not in os.environ and getattr(jax.config, _MIN_TIME) == 1.0:
        jax.config.update(_MIN_TIME, 0.0)  # JAX's default (1 s) would cache none of ours
    return directory
