"""The saved page's state document: the synced state and its variants encoded over one
deflated, base64 blob of distinct chunks (see :func:`encode_state`), and read back
(:func:`decode_state`) as the page does in ``js/standalone.js``.
"""

from __future__ import annotations

import base64
import json
import math
import re
import zlib

import numpy as np

from .. import rules

FORMAT = "fcnn-widget/standalone 1"
AXES = ("palette", "norm", "norm_scope")  # the settings the page may change via variants
TEXT_MIN_CHARS = 200  # shorter strings stay plain JSON
# Tags (and lines) are the units of the text table: split after every ">" and newline.
_TOKEN_SPLIT = re.compile(r"(?<=>)(?!\n)|(?<=\n)")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b")
LIMITS = (
    "Saved page: scrub samples, and epochs for the sample shown when it was saved; "
    "palette and norm offer the saved variants. Other settings need the Python kernel."
)


class _Chunks:
    """Distinct byte strings, each stored once, laid out grouped by kind for deflate."""

    def __init__(self) -> None:
        self.items: list[bytes] = []
        self.groups: list[str] = []
        self.ids: dict[bytes, int] = {}

    def add(self, data: bytes, group: str) -> int:
        if data not in self.ids:
            self.ids[data] = len(self.items)
            self.items.append(data)
            self.groups.append(group)
        return self.ids[data]

    def layout(self) -> tuple[bytes, list[list[int]]]:
        order = sorted(range(len(self.items)), key=lambda i: (self.groups[i], i))
        where, parts, at = [[0, 0]] * len(self.items), [], 0
        for i in order:
            where[i] = [at, len(self.items[i])]
            parts.append(self.items[i])
            at += len(self.items[i])
        return b"".join(parts), where


def symmetrize(data: bytes) -> bytes:
    """(lo, hi) float32 pairs to (-m, m), m = max(|lo|, |hi|): the last step of centred
    colour ranges (colors.value_ranges), repeated by the page to derive saved ranges."""
    pairs = np.frombuffer(data, np.float32).reshape(-1, 2)
    m = np.max(np.abs(pairs), axis=1)
    return np.stack([-m, m], axis=1).astype(np.float32).tobytes()


def _by_columns(data: bytes, cols: int) -> bytes:
    """A (rows, cols) matrix of 4-byte items stored byte plane by byte plane, column by
    column: runs of equal columns and bytes compress far better."""
    return np.frombuffer(data, np.uint8).reshape(-1, cols, 4).transpose(2, 1, 0).tobytes()


def encode_state(state: dict, variants: list[dict], fixed: list[str]) -> dict:
    """The document the page reads (js/standalone.js): the encoded base state and variants
    over one deflated, base64 blob of distinct chunks. A trait is ``["json", v]``,
    ``["obj", chunk]`` (JSON text), ``["text", chunk, ref_width]`` (steps between refs into
    the token table) or binary: ``["bytes", chunk]``, ``["cols", chunk, cols]`` (stored by columns),
    ``["sym", binary]`` (:func:`symmetrize` of another) or ``["rows", n, [[binary,
    row_bytes], ...]]`` (row-wise concatenation of parts)."""
    states = [state, *(v["state"] for v in variants)]
    texts = [
        v for s in states for v in s.values() if isinstance(v, str) and len(v) >= TEXT_MIN_CHARS
    ]
    # Tags in document order, the variants of each (another fill) side by side: deflate
    # finds them together, and a text's refs rise in small steps (stored as differences).
    # Each distinct text split once (variants repeat most texts), each distinct tag's
    # colour-free form computed once.
    pieces = {text: _TOKEN_SPLIT.split(text) for text in dict.fromkeys(texts)}
    free: dict[str, str] = {}
    first: dict[str, int] = {}
    for tokens_of in pieces.values():
        for t in tokens_of:
            if t not in free:
                free[t] = _COLOUR.sub("#", t)
                first.setdefault(free[t], len(first))
    table = sorted(free, key=lambda t: (first[free[t]], t))
    token_id = {t: i for i, t in enumerate(table)}
    ref_type = np.dtype("<u2") if len(table) < 2**16 else np.dtype("<u4")
    chunks = _Chunks()
    tokens = chunks.add(json.dumps(table, ensure_ascii=False).encode("utf-8"), "0 tokens")
    base_meta = state.get("_meta") or {}

    # Binary parts, with the rows (samples or epochs) they hold, before choosing encodings.
    def parts_of(key, value, meta):
        split = _row_split(key, value, meta)
        if split is None:
            n = int((state.get("_window") or [0, meta.get("n_samples") or 0])[1])  # rows held
            return None, [(value, n if n and len(value) % (4 * n) == 0 else 0)]
        n, widths = split
        rows = np.frombuffer(value, np.uint8).reshape(n, -1)
        cuts = np.cumsum([0, *widths])
        return (n, widths), [(rows[:, a:b].tobytes(), n) for a, b in zip(cuts[:-1], cuts[1:])]

    binaries = {}
    for s in states:
        for k, v in s.items():
            if isinstance(v, bytes):
                for part, n in parts_of(k, v, s.get("_meta") or base_meta)[1]:
                    binaries.setdefault(part, n)
    derived = {}  # centred ranges -> the uncentred ones they derive from
    for data in binaries:
        if len(data) % 8 == 0 and data and np.all(np.isfinite(np.frombuffer(data, np.float32))):
            sym = symmetrize(data)
            if sym != data and sym in binaries:
                derived.setdefault(sym, data)

    def binary(data: bytes, rows: int, group: str):
        if data in derived:
            return ["sym", binary(derived[data], rows, group)]
        if rows and len(data) // 4 // rows > 1:
            cols = len(data) // 4 // rows
            by_cols = _by_columns(data, cols)
            if len(zlib.compress(by_cols, 6)) < len(zlib.compress(data, 6)):
                return ["cols", chunks.add(by_cols, group), cols]
        return ["bytes", chunks.add(data, group)]

    def encode(key, value, meta):
        if isinstance(value, bytes):
            split, parts = parts_of(key, value, meta)
            if split is None:
                return binary(parts[0][0], parts[0][1], "2 " + key)
            encoded = [binary(p, n, f"2 {key} {i}") for i, (p, n) in enumerate(parts)]
            return ["rows", split[0], [[e, w] for e, w in zip(encoded, split[1])]]
        if isinstance(value, str) and len(value) >= TEXT_MIN_CHARS:
            refs = np.array([token_id[t] for t in pieces[value]], np.int64)
            refs = np.diff(refs, prepend=0).astype(ref_type)  # wraps: the page adds them up
            return ["text", chunks.add(refs.tobytes(), "1 " + key), ref_type.itemsize]
        plain = _plain(value)
        if isinstance(plain, (dict, list)):
            text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            if len(text) >= TEXT_MIN_CHARS:
                return ["obj", chunks.add(text.encode("utf-8"), "1 " + key)]
        return ["json", plain]

    def encode_all(s):
        return {k: encode(k, v, s.get("_meta") or base_meta) for k, v in s.items()}

    doc = {
        "format": FORMAT,
        "fixed": fixed,
        "limits": LIMITS,
        "tokens": tokens,
        "state": encode_all(state),
        "variants": [
            {**{a: v[a] for a in AXES}, "state": encode_all(v["state"])} for v in variants
        ],
    }
    blob, doc["chunks"] = chunks.layout()
    packed = zlib.compress(blob, 9)
    doc["codec"], payload = ("deflate", packed) if len(packed) < len(blob) else ("none", blob)
    doc["size"] = len(blob)
    doc["blob"] = base64.b64encode(payload).decode("ascii")
    return doc


def _row_split(key: str, value: bytes, meta: dict):
    """The timeline (rows of sample values | parameters | colour ranges per epoch) split into
    its style-free head and its ranges, so variants share the head. None if it does not fit."""
    if key != "_timeline" or not value:
        return None
    try:
        at = rules.timeline_row(
            int(meta["n_cols"]), int(meta["n_params"]), len(meta["group_names"])
        )
        head, tail = 4 * at["ranges"][0], 4 * (at["stride"] - at["ranges"][0])
    except (KeyError, TypeError, ValueError):
        return None
    row = head + tail
    if tail == 0 or head == 0 or len(value) % row:
        return None
    return len(value) // row, [head, tail]


def _plain(value):
    """JSON-safe: tuples to lists, non-finite floats to None (the page reads null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def decode_state(doc: dict) -> tuple[dict, list[dict]]:
    """Read a document back as the page does: the base state and each variant's full state
    (binary traits as ``bytes``) — for tests and tools."""
    payload = base64.b64decode(doc["blob"])
    blob = zlib.decompress(payload) if doc["codec"] == "deflate" else payload
    chunk = [blob[a : a + n] for a, n in doc["chunks"]]
    table = json.loads(chunk[doc["tokens"]].decode("utf-8"))

    def decode(enc):
        kind = enc[0]
        if kind == "json":
            return enc[1]
        if kind == "obj":
            return json.loads(chunk[enc[1]].decode("utf-8"))
        if kind == "bytes":
            return chunk[enc[1]]
        if kind == "cols":
            cols = enc[2]
            planes = np.frombuffer(chunk[enc[1]], np.uint8).reshape(4, cols, -1)
            return planes.transpose(2, 1, 0).tobytes()
        if kind == "sym":
            return symmetrize(decode(enc[1]))
        if kind == "text":
            steps = np.frombuffer(chunk[enc[1]], "<u2" if enc[2] == 2 else "<u4")
            refs = np.cumsum(steps, dtype=steps.dtype)  # modular, as the steps were stored
            return "".join(table[i] for i in refs)
        if kind == "rows":
            n, parts = enc[1], enc[2]
            return np.concatenate(
                [np.frombuffer(decode(e), np.uint8).reshape(n, w) for e, w in parts], axis=1
            ).tobytes()
        raise ValueError(f"unknown encoding {kind!r}")

    base = {k: decode(v) for k, v in doc["state"].items()}
    variants = [
        {
            **{a: v[a] for a in AXES},
            "state": {**base, **{k: decode(e) for k, e in v["state"].items()}},
        }
        for v in doc["variants"]
    ]
    return base, variants
