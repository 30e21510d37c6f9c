"""JAX's persistent compilation cache, so a new process skips compiling shapes it has seen."""

from __future__ import annotations

import os
from pathlib import Path

import jax


def enable_compilation_cache(path: str | os.PathLike | None = None) -> Path | None:
    """Point JAX's persistent cache at ``path`` (default ``$FCNN_WIDGET_CACHE`` or
    ``~/.cache/fcnn_widget/jax``) unless the user configured one already or set
    ``FCNN_WIDGET_CACHE=off``. Returns the directory in use, or None.
    """
    if jax.config.jax_compilation_cache_dir and path is None:
        return Path(jax.config.jax_compilation_cache_dir)
    setting = path or os.environ.get("FCNN_WIDGET_CACHE") or Path.home() / ".cache/fcnn_widget/jax"
    if str(setting).lower() == "off":
        return None
    directory = Path(setting).expanduser()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only home: compile every time rather than fail
    jax.config.update("jax_compilation_cache_dir", str(directory))
    # Our programs compile in well under a second: cache them all.
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return directory
