"""`npm test` (node --test js/*.test.js, then tsc over the typed modules): the page's rules and number formatting against the
golden answers of Python's (tests/golden/rules.json). Part of the pytest run, so CI runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
node = shutil.which("node")


@pytest.mark.skipif(node is None, reason="Node.js is not installed")
def test_node_rule_tests_pass():
    tests = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "js").glob("*.test.js"))
    assert {"js/rules.test.js", "js/format.test.js"} <= set(tests)
    # What `npm test` runs, without needing npm itself.
    scripts = json.loads((ROOT / "package.json").read_text())["scripts"]
    assert scripts["test"] == "node --test js/*.test.js && npm run typecheck"
    run = subprocess.run(
        [node, "--test", *tests], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout


TSC = ROOT / "node_modules" / "typescript" / "bin" / "tsc"


@pytest.mark.skipif(node is None or not TSC.exists(), reason="Node.js or typescript missing")
def test_the_typed_page_modules_check():
    """The JSDoc types of the page's wire format (js/codec.js, js/data.js) hold (tsc)."""
    scripts = json.loads((ROOT / "package.json").read_text())["scripts"]
    args = scripts["typecheck"].split()
    assert args[0] == "tsc"
    run = subprocess.run(
        [node, str(TSC), *args[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
