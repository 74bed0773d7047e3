"""Property-based: random bytes and random frames given to ingest's checks raise only the
workbench's own errors (a WorkbenchError subclass), never a pandas, csv or Unicode error.

Deterministic (derandomize) and short (a few seconds), so that CI is stable."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import WorkbenchError
from workbench.evidence import ingest

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HEADER = b"area_code,area_name,period,indicator,value,numerator,denominator\n"
CELLS = st.one_of(
    st.sampled_from(["E06000001", "E06000002", "E06999999", "E06000028", "09UC", "K02000001", "2009", "2008/09",
                     "2001-03", "2009-01-01/P1Y", "Jan 2012-Dec 2012", "*", "..", "c", "x", ":", "NA", "", "-",
                     "1e400", "-5", "12,5", "abc", "nan", "inf", "\ufeff", '"', "\r\n", "\x00", "\u00e9"]),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
)
LAYOUTS = st.sampled_from([None, "ons", "fingertips", "nomis", "wide", "long"])


def attempt(catalog, source, fmt, **kwargs):
    try:
        checked = ingest.check(source, fmt, catalog=catalog, quarantine=kwargs.pop("quarantine", False), **kwargs)
    except WorkbenchError as exc:
        assert str(exc).strip()  # a message to show
        return None
    assert not checked.panel.empty
    return checked


@SETTINGS
@given(data=st.binary(max_size=600), fmt=LAYOUTS)
def test_random_bytes_give_a_panel_or_the_workbenchs_own_error(shared_tree, data, fmt):
    attempt(shared_tree, data, fmt)


@SETTINGS
@given(rows=st.lists(st.lists(CELLS, min_size=5, max_size=8), max_size=6), fmt=LAYOUTS, quarantine=st.booleans())
def test_a_header_and_random_cells_give_a_panel_or_the_workbenchs_own_error(shared_tree, rows, fmt, quarantine):
    body = "\n".join(",".join(cells) for cells in rows).encode("utf-8", "surrogatepass")
    attempt(shared_tree, HEADER + body, fmt, quarantine=quarantine)


@SETTINGS
@given(columns=st.lists(st.sampled_from(["area_code", "period", "indicator", "value", "numerator", "denominator",
                                         "unit", "2009", "2008/09", "x"]), min_size=1, max_size=7),
       values=st.lists(st.lists(CELLS, min_size=7, max_size=7), min_size=0, max_size=5),
       numeric=st.booleans(), fmt=st.sampled_from(["long", "wide"]))
def test_random_frames_give_a_panel_or_the_workbenchs_own_error(shared_tree, columns, values, numeric, fmt):
    frame = pd.DataFrame([row[:len(columns)] for row in values], columns=columns) if values else pd.DataFrame(columns=columns)
    if numeric and len(frame):
        frame[columns[-1]] = np.linspace(-1e6, 1e6, len(frame))
    try:
        checked = ingest.check_frame(frame, fmt, catalog=shared_tree, options={"indicator": "x"})
    except WorkbenchError as exc:
        assert str(exc).strip()
    else:
        assert not checked.panel.empty
