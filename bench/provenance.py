"""What a benchmark measured: the commit, and whether the product's files differ from it."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def code_state() -> str:
    def git(*args):
        out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "fcnn_widget", "js")
    return f"code {head}" + (" + uncommitted changes in fcnn_widget/ or js/" if dirty else "")
