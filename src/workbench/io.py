"""Atomic file writes: a reader never sees half a file, a failure leaves nothing behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

# libyaml's safe loader when PyYAML was built with it (same documents, about ten times faster:
# every brief reads the catalogue and the initiative register several times)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def read_yaml(path: str | os.PathLike, fail: Callable[[str, int | None], Exception]) -> Any:
    """Parse a YAML file; a missing file or bad YAML raises ``fail(problem, line)`` (line 1-based)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("file not found", None) from None
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError:
        try:                                   # the pure-Python parser words its problems better
            yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise fail(f"not valid YAML ({getattr(exc, 'problem', exc)})", mark.line + 1 if mark else None) from None
        raise
