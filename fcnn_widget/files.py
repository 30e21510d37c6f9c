"""Saving files so that a failed save never destroys the file it replaces.

:func:`write_atomic` writes the whole content to a temporary file beside the target, flushes
it to disk and renames it over the target in one step (``os.replace``): on any failure — a
full disk, a size limit, Ctrl-C — the old file stays as it was and the temporary file is
removed. Text is encoded and checked in memory first (:func:`check_xml_text`), so bad text is
refused before anything is written.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
>>> write_atomic(path, b"hello").read_bytes()
b'hello'
>>> check_xml_text("fine\\ttext", "title")
>>> check_xml_text("bad\\x1b[0m", "title")
Traceback (most recent call last):
...
ValueError: title holds a character XML cannot hold: '\\x1b' (\\u001b) at position 3; XML allows no control characters other than tab, newline and carriage return, no lone surrogates (\\ud800-\\udfff) and not \\ufffe or \\uffff
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

# Characters XML 1.0 cannot hold: C0 controls other than tab, LF and CR; surrogate code points
# (a Python str holds them only unpaired, from bad decoding); the non-characters U+FFFE/FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def check_xml_text(text: str, name: str) -> None:
    """Refuse ``text`` (the parameter ``name``) if it holds a character XML cannot hold,
    naming the character and its position: an SVG carrying it is not well-formed."""
    bad = _NOT_XML.search(text)
    if bad is None:
        return
    ch = bad.group()
    raise ValueError(
        f"{name} holds a character XML cannot hold: {ch!r} (\\u{ord(ch):04x}) at position "
        f"{bad.start()}; XML allows no control characters other than tab, newline and "
        "carriage return, no lone surrogates (\\ud800-\\udfff) and not \\ufffe or \\uffff"
    )


def encode_text(text: str, name: str) -> bytes:
    """``text`` as UTF-8, or a ValueError naming the first character UTF-8 cannot hold."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        ch = text[e.start]
        raise ValueError(
            f"{name} holds a character UTF-8 cannot encode: \\u{ord(ch):04x} at position "
            f"{e.start} (a lone surrogate, from text decoded with errors='surrogateescape' "
            "or a broken JSON escape); nothing was written"
        ) from None


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The temporary file is created beside the target (the same file system, so the rename
    is atomic) with the target's permissions (a new file gets the umask's), flushed with
    ``fsync`` and renamed over the target; a symlink is followed to the file it names.
    """
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"cannot save {str(path)!r}: the folder {str(folder)!r} does not exist"
        )
    if target.is_dir():
        raise IsADirectoryError(f"cannot save {str(path)!r}: it is a folder")
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666
    temp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if target.exists():
            os.chmod(temp, mode)  # os.open applied the umask to the old file's mode
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(folder)
    return path


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk (POSIX); best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
