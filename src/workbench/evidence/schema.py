"""Validate a tabular file against the schema declared for it in the catalogue.

Files are read as text, cell by cell checks are vectorised per column, and the first problem
found is raised as a :class:`DataValidationError` naming file, row and column. Rows are counted
as a spreadsheet shows them: the header is row 1, the first record row 2.

Checks, in order: the header (missing columns), then each column's cells (empty, type, pattern,
allowed values, range, references to a register), then the key (duplicates), then the
dataset-level rate check (value = numerator / denominator x multiplier).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import CatalogError, DataValidationError

HEADER_ROW = 1
TYPES = ("string", "integer", "number", "date")
RATE_TOLERANCE = 5e-4  # values are published to 3 decimal places at least


def read_text_table(path: Path) -> pd.DataFrame:
    """Read a CSV file with every cell as a string (empty cells as ''), or fail in one line."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except FileNotFoundError:
        raise DataValidationError(path, "file not found") from None
    except pd.errors.EmptyDataError:
        raise DataValidationError(path, "file is empty (no header row)") from None
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        row = int(match.group(1)) if match else None
        raise DataValidationError(path, f"not a well-formed CSV ({exc})".split("\n")[0], row=row) from None
    except UnicodeDecodeError:
        raise DataValidationError(path, "not UTF-8 text") from None
    return frame


def validate_frame(
    frame: pd.DataFrame,
    schema: Mapping[str, Any],
    path: Path,
    references: Callable[[str], set[str]] | None = None,
    multipliers: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Check a text frame against a schema; return it typed, or raise on the first problem.

    ``references(register_id)`` returns the codes a `references:` column may take;
    ``multipliers`` maps indicator ids to the multiplier used by the rate check.
    """
    columns = schema.get("columns") or []
    missing = [c["name"] for c in columns if c["name"] not in frame.columns]
    if missing:
        also = f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise DataValidationError(path, f"missing column{also}", row=HEADER_ROW, column=missing[0])
    typed = frame.copy()
    for spec in columns:
        typed[spec["name"]] = _check_column(frame[spec["name"]], spec, path, references)
    _check_key(frame, schema.get("key") or [], path)
    if schema.get("rate_check") and multipliers is not None:
        _check_rates(typed, path, multipliers)
    return typed


def _row(position: int) -> int:
    return position + HEADER_ROW + 1


def _first_bad(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _check_column(cells: pd.Series, spec: Mapping[str, Any], path: Path, references) -> pd.Series:
    name, kind = spec["name"], spec.get("type", "string")
    if kind not in TYPES:
        raise CatalogError(f"{path}: column '{name}' has unknown type '{kind}' in the catalogue")
    text = cells.str.strip()
    empty = (text == "").to_numpy()
    if not spec.get("nullable", False):
        bad = _first_bad(empty)
        if bad is not None:
            raise DataValidationError(path, "empty cell where a value is required", _row(bad), name)

    def fail(mask, message: Callable[[str], str]):
        bad = _first_bad(mask & ~empty)
        if bad is not None:
            raise DataValidationError(path, message(cells.iloc[bad]), _row(bad), name)

    if kind == "string":
        values = text.where(~empty, None)
        if "pattern" in spec:
            ok = text.str.fullmatch(spec["pattern"]).to_numpy(dtype=bool)
            fail(~ok, lambda v: f"{v!r} does not match the pattern {spec['pattern']!r}")
        if "allowed" in spec:
            ok = text.isin([str(a) for a in spec["allowed"]]).to_numpy()
            fail(~ok, lambda v: f"{v!r} is not one of {', '.join(map(str, spec['allowed']))}")
        if "references" in spec and references is not None:
            known = references(spec["references"])
            ok = text.isin(known).to_numpy()
            fail(~ok, lambda v: f"unknown code {v!r} (not in the '{spec['references']}' register)")
        return values
    if kind == "date":
        parsed = pd.to_datetime(text.where(~empty, None), format="%Y-%m-%d", errors="coerce")
        fail(parsed.isna().to_numpy(), lambda v: f"{v!r} is not a date (YYYY-MM-DD)")
        return parsed
    numbers = pd.to_numeric(text.where(~empty, None), errors="coerce")
    fail(numbers.isna().to_numpy() | ~np.isfinite(numbers.to_numpy(dtype=float, na_value=0.0)),
         lambda v: f"{v!r} is not a number")
    if kind == "integer":
        whole = (numbers.fillna(0) % 1 == 0).to_numpy()
        fail(~whole, lambda v: f"{v!r} is not a whole number")
    if "min" in spec:
        fail((numbers < spec["min"]).to_numpy(), lambda v: f"{v} is below the minimum {spec['min']}")
    if "max" in spec:
        fail((numbers > spec["max"]).to_numpy(), lambda v: f"{v} is above the maximum {spec['max']}")
    if kind == "integer":
        return numbers.astype("Int64")
    return numbers.astype("float64")


def _check_key(frame: pd.DataFrame, key: list[str], path: Path) -> None:
    if not key:
        return
    dup = frame.duplicated(subset=key, keep="first").to_numpy()
    bad = _first_bad(dup)
    if bad is not None:
        first = _first_bad((frame[key] == frame[key].iloc[bad]).all(axis=1).to_numpy())
        shown = ", ".join(f"{k}={frame[k].iloc[bad]}" for k in key)
        raise DataValidationError(
            path, f"duplicate key ({shown}) already on row {_row(first)}", _row(bad), key[-1]
        )


def _check_rates(typed: pd.DataFrame, path: Path, multipliers: Mapping[str, float]) -> None:
    has = typed["numerator"].notna() & typed["denominator"].notna()
    zero = has & (typed["denominator"] == 0)
    bad = _first_bad(zero.to_numpy())
    if bad is not None:
        raise DataValidationError(path, "denominator is 0", _row(bad), "denominator")
    mult = typed["indicator"].map(multipliers).astype(float)
    expected = typed["numerator"] / typed["denominator"] * mult
    off = has & ((typed["value"] - expected).abs() > RATE_TOLERANCE * np.maximum(1.0, expected.abs()))
    bad = _first_bad(off.to_numpy())
    if bad is not None:
        raise DataValidationError(
            path,
            f"value {typed['value'].iloc[bad]:g} is not numerator / denominator x "
            f"{mult.iloc[bad]:g} = {expected.iloc[bad]:.4f}",
            _row(bad), "value",
        )
