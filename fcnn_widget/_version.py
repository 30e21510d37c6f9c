"""The package's version, written once: ``version`` in pyproject.toml.

An installed package reads it from its metadata. A source tree (the repository on
``PYTHONPATH``, or an editable install) reads the pyproject.toml beside it first: metadata
installed earlier may name an older version than the tree's.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _version() -> str:
    if _PYPROJECT.is_file():
        project = re.search(r"^\[project\]$(.*?)(?=^\[)", _PYPROJECT.read_text(), re.M | re.S)
        body = project.group(1) if project else ""
        version = re.search(r'^version\s*=\s*"([^"]+)"', body, re.M)
        if version and re.search(r'^name\s*=\s*"fcnn-widget"', body, re.M):
            return version.group(1)
    try:
        return metadata.version("fcnn-widget")
    except metadata.PackageNotFoundError:
        return "0+unknown"


__version__ = _version()
