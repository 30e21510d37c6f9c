"""fmt mirrors JavaScript's number formatting: checked against Node itself."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from fcnn_widget import fmt

node = shutil.which("node")


@pytest.mark.skipif(node is None, reason="Node.js is not installed")
def test_exact_and_fixed_match_javascript():
    rng = np.random.default_rng(0)
    values = np.concatenate(
        [
            rng.normal(0, 1, 2000),
            rng.normal(0, 1, 2000) * 10.0 ** rng.integers(-12, 25, 2000),
            [0.125, -0.125, 0.005, 2.5, -2.5, 0.0, 1e-7, 1e-6, 1.5e21, 5e-324, 123456.0],
        ]
    )
    values = [float(v) for v in values.astype(np.float32)]  # the page sees float32 values
    script = (
        "const v = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(v.map((x) => [String(x), x.toFixed(2), x.toFixed(0)])));"
    )
    out = subprocess.run(
        [node, "-e", script], input=json.dumps(values), capture_output=True, text=True, check=True
    )
    for v, (text, two, zero) in zip(values, json.loads(out.stdout)):
        assert fmt.exact(v) == text, v
        if abs(v) < 1e21:
            assert fmt.fixed(v, 2) == two, v
            assert fmt.fixed(v, 0) == zero, v


def test_non_finite_marks():
    assert fmt.fixed(float("nan")) == "NaN"
    assert fmt.fixed(float("inf")) == "+∞"
    assert fmt.fixed(float("-inf")) == "−∞"
    assert fmt.exact(float("-inf")) == "-Infinity"
