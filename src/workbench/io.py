"""Atomic file writes: a reader never sees half a file, a failure leaves nothing behind."""

from __future__ import annotations

import fcntl
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

# libyaml's safe loader when PyYAML was built with it (same documents, about ten times faster:
# every brief reads the catalogue and the initiative register several times)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# the folder of the content-addressed store shared by a build's workers (the batch sets it)
STORE_ENV = "WORKBENCH_STORE"
T = TypeVar("T")


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


def computed_once(key: str, compute: Callable[[], T], accept: Callable[[Any], bool] = lambda value: True) -> T:
    """``compute()``, kept under ``key`` in the store named by ``$WORKBENCH_STORE`` (if it is set).

    A per-key ``flock`` makes a second process wait for the first one's value instead of computing
    it again; entries are written to a temporary file and renamed, so a reader never sees half of
    one. An entry that cannot be read, or that ``accept`` rejects, is computed again. Without the
    variable (a researcher in JupyterLab) this is just ``compute()``.
    """
    root = os.environ.get(STORE_ENV)
    if not root:
        return compute()
    path = Path(root) / key[:2] / f"{key}.pickle"
    found = _read_entry(path, accept)
    if found is not None:
        return found
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _read_entry(path, accept)
        if found is not None:
            return found
        value = compute()
        atomic_write_bytes(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value


def _read_entry(path: Path, accept: Callable[[Any], bool]):
    try:
        with open(path, "rb") as fh:
            value = pickle.load(fh)
    except (FileNotFoundError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    return value if accept(value) else None
