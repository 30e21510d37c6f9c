"""Numbers as text, written exactly as the page's JavaScript writes them.

The picture is built here in Python and restyled by the page when a sample changes, so both
must print a number identically: :func:`exact` follows ECMAScript's ``Number.prototype.toString``
and :func:`fixed` its ``toFixed``; ``js/format.js`` is their counterpart.

>>> exact(0.1), exact(1e-7), exact(1.5e21), exact(float("nan"))
('0.1', '1e-7', '1.5e+21', 'NaN')
>>> fixed(0.125, 2), fixed(-0.001, 2), fixed(float("inf"), 2)
('0.13', '-0.00', '+∞')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def exact(value: float) -> str:
    """The shortest text that reads back as ``value`` (a float32 value stays exact as a
    double), in JavaScript's layout: plain digits from 1e-7 up to 1e21, exponent outside."""
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    digits, exponent = _shortest_digits(abs(x))
    k, n = len(digits), exponent  # value = 0.d1d2...dk * 10^n
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        body = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def fixed(value: float, digits: int = 2) -> str:
    """``value.toFixed(digits)``: ties round away from zero on the exact binary value;
    non-finite values get their own marks (``NaN``, ``+∞``, ``−∞``)."""
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+∞" if x > 0 else "−∞"
    if abs(x) >= 1e21:
        return exact(x)
    q = Decimal(abs(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return ("-" if x < 0 else "") + f"{q:f}"  # like JS, -0 prints without a sign


def _shortest_digits(x: float) -> tuple[str, int]:
    """Digits d1..dk and n with x = 0.d1..dk * 10^n, from Python's shortest repr."""
    mantissa, _, exp = f"{x!r}".partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    n = len(whole) + (int(exp) if exp else 0)
    if whole == "0":  # 0.000ddd form
        n -= len(frac) - len(frac.lstrip("0")) + 1
    digits = digits.rstrip("0") or "0"
    return digits, n
