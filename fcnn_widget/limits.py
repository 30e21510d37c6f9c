"""Limits checked before work: sizes a request would need, against the memory there is.

A kernel that dies loses a user's whole notebook, so requests that would allocate more than
the machine can hold are refused up front, with a message naming the parameter, its value,
the estimated memory and the limit. Every function here is pure arithmetic on sizes (it reads
only ``/proc/meminfo`` and the process limits): it allocates nothing the size of the request.

>>> check_points(2500)
>>> check_pixels(800, 600, scale=2)
>>> check_size(800, "width")
>>> check_size(-5, "width")
Traceback (most recent call last):
...
ValueError: width must be a positive finite number of pixels, or None to follow the picture, got -5
"""

from __future__ import annotations

import math
import numbers
import os
import re
import resource

import numpy as np

# One request may use at most this share of the memory available when it is made.
MEMORY_FRACTION = 0.5
MAX_CLASSES = 10_000  # output units of a classification task
# resvg (tiny-skia) needs a row's bytes (4 * width) to fit in 31 bits; far below that, a side
# of 32767 px is what browsers and image viewers handle.
MAX_PNG_SIDE = 32_767
MAX_PNG_BYTES = 2**30


class TooLarge(MemoryError, ValueError):
    """A request that would need more memory or pixels than allowed: refused before work."""


def available_memory() -> int:
    """Bytes this process may still allocate: the system's available memory, or what the
    address-space limit (``RLIMIT_AS``) leaves, whichever is smaller."""
    avail = _meminfo_available()
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        avail = min(avail, max(0, soft - _address_space()))
    return avail


def memory_limit() -> int:
    return int(available_memory() * MEMORY_FRACTION)


def check_bytes(need: float, what: str) -> None:
    """Refuse ``what`` (which names the parameter and value) if it needs over the limit."""
    limit = memory_limit()
    if need > limit:
        raise TooLarge(
            f"{what} needs about {human_bytes(need)}; the limit is {human_bytes(limit)} "
            f"({MEMORY_FRACTION:.0%} of the {human_bytes(available_memory())} of memory available)"
        )


def n_params(widths) -> int:
    """Weights and biases of a network with these layer widths."""
    return sum(int(a) * int(b) + int(b) for a, b in zip(widths, widths[1:]))


def check_model(widths) -> None:
    """A network's parameters, held three times while it is made (the random draw, the
    model's copy and the first snapshot).

    >>> check_model([2, 100000, 100000, 1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fcnn_widget.limits.TooLarge: dims=[100000, 100000]: a 2-100000-100000-1 network has 10,000,500,001 weights and biases (40 GB per copy) and needs about 120 GB...
    """
    count = n_params(widths)
    units = "-".join(map(str, widths))
    check_bytes(
        12 * count,
        f"dims={list(widths[1:-1])}: a {units} network has {count:,} weights and biases "
        f"({human_bytes(4 * count)} per copy) and",
    )


def check_param_shapes(params) -> None:
    """Given weights ``[(W, b), ...]``: their count from the shapes alone, before a copy."""
    try:
        shapes = [(np.shape(layer[0]), np.shape(layer[1])) for layer in params]
    except (TypeError, IndexError, ValueError, KeyError):
        return  # not pairs of arrays: the full check names what is wrong
    count = sum(math.prod(w) + math.prod(b) for w, b in shapes)
    check_bytes(
        12 * count,
        f"params: a network of {count:,} weights and biases ({human_bytes(4 * count)} per copy)",
    )


def check_training(widths, n_samples: int, batch_size: int) -> None:
    """A fit's working memory: parameters, gradients, optimizer moments and per-epoch
    outputs (~10 copies) plus every layer's values for the whole training set (accuracy
    and test metrics see all samples) and for a batch."""
    count = n_params(widths)
    activations = 4 * sum(widths) * (2 * n_samples + 4 * min(batch_size, n_samples))
    check_bytes(
        40 * count + activations,
        f"fit of a {'-'.join(map(str, widths))} network on {n_samples:,} samples",
    )


def check_points(n_points: int, n_inputs: int = 2) -> None:
    """A made dataset of ``n_points``: float64 draws, their float32 copies, targets and a
    shuffled order (~52 bytes a point for 2 inputs).

    >>> check_points(10**9)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fcnn_widget.limits.TooLarge: n_points=1,000,000,000 needs about 52 GB...
    """
    check_bytes(n_points * (16 * n_inputs + 20), f"n_points={n_points:,}")


def check_classes(labels: np.ndarray, what: str = "y") -> int:
    """The number of classes integer ``labels`` imply (max + 1), within :data:`MAX_CLASSES`.

    >>> check_classes(np.array([0, 5, 10**6, 7]))
    Traceback (most recent call last):
    ...
    ValueError: y: labels go up to 1,000,000, so the network would need 1,000,001 output units (classes), of which 4 occur; the limit is 10,000 classes. The labels are not 0..K-1: use regression (task="regression") or remap them to 0..K-1 (np.unique(y, return_inverse=True)[1])
    """
    top = int(labels.max())
    if top + 1 <= MAX_CLASSES:
        return top + 1
    occurring = np.unique(labels).size
    raise ValueError(
        f"{what}: labels go up to {top:,}, so the network would need {top + 1:,} output units "
        f"(classes), of which {occurring:,} occur; the limit is {MAX_CLASSES:,} classes. "
        'The labels are not 0..K-1: use regression (task="regression") or remap them to '
        f"0..K-1 (np.unique({what}, return_inverse=True)[1])"
    )


def check_pixels(width: float, height: float, scale: float = 1) -> None:
    """A PNG of ``width`` x ``height`` px at ``scale``: each side within resvg's and
    :data:`MAX_PNG_SIDE`, its RGBA pixels (4 bytes each) within :data:`MAX_PNG_BYTES` and
    the memory limit."""
    w, h = math.ceil(width * scale), math.ceil(height * scale)
    size = f"{_num(width)} x {_num(height)} px at scale {_num(scale)} ({w:,} x {h:,} px"
    if max(w, h) > MAX_PNG_SIDE:
        raise TooLarge(
            f"the PNG would be {size}); each side may be at most {MAX_PNG_SIDE:,} px. "
            "Give a smaller width/height or scale"
        )
    need = 4 * w * h
    if need > MAX_PNG_BYTES:
        raise TooLarge(
            f"the PNG would be {size}, {human_bytes(need)} of RGBA); the limit is "
            f"{human_bytes(MAX_PNG_BYTES)}. Give a smaller width/height or scale"
        )
    check_bytes(need, f"the PNG of {size})")


def check_size(value, name: str) -> None:
    """A picture's ``width`` or ``height``: None (follow the picture) or a positive finite
    number of pixels."""
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not (math.isfinite(value) and value > 0)
    ):
        raise ValueError(
            f"{name} must be a positive finite number of pixels, or None to follow the "
            f"picture, got {value!r}"
        )


_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_NUM = r"\s*[-+]?(?:\d+\.?\d*|\.\d+)%?\s*"
_FUNC = re.compile(
    rf"(?:rgba?|hsla?)\((?:{_NUM},{_NUM},{_NUM}(?:,{_NUM})?|{_NUM}{_NUM}{_NUM}(?:/{_NUM})?)\)"
)


def is_css_colour(value) -> bool:
    """A CSS colour: a CSS4 name, ``transparent``, hex, or ``rgb()/rgba()/hsl()/hsla()``.

    >>> [is_css_colour(c) for c in ("white", "#1a2b3c", "rgb(10, 20, 30)", "not a colour", 3)]
    [True, True, True, False, False]
    """
    from matplotlib.colors import CSS4_COLORS

    if not isinstance(value, str):
        return False
    v = value.strip().lower()
    return v in CSS4_COLORS or v == "transparent" or bool(_HEX.fullmatch(v) or _FUNC.fullmatch(v))


def human_bytes(n: float) -> str:
    """``n`` bytes as B, kB, MB, GB or TB (powers of 1000), two significant figures."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


def _num(x) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def _meminfo_available() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0
