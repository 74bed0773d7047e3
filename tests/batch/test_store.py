"""The shared-results store: a fit is computed once per key, also when processes ask at the same time."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.results import Estimate, Result
from workbench.batch import store

CALLS = "WORKBENCH_TEST_CALLS"


def counting(design: str, data: pd.DataFrame, *, comparison=None, outcome: str, pause: float = 0.0, **spec) -> Result:
    """Stands in for analysis.fit: appends a line to a file each time it really computes."""
    with open(os.environ[CALLS], "a") as fh:
        fh.write(f"{os.getpid()}\n")
    time.sleep(pause)            # widen the window in which a second process could miss as well
    mean = float(data[outcome].mean())
    return Result(design, "mean", (Estimate("mean", mean, 0.0, mean, mean, 1.0),), {"outcome": outcome}, {})


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    monkeypatch.setenv(CALLS, str(tmp_path / "calls"))
    monkeypatch.setattr(store, "analysis_fit", counting)
    (tmp_path / "calls").write_text("")
    frame = pd.DataFrame({"unit": list("aabb"), "y": [1.0, 2.0, 3.0, 4.0]})
    return tmp_path, frame


def calls(folder) -> int:
    return len((folder / "calls").read_text().splitlines())


def test_a_second_fit_with_the_same_data_and_spec_is_read_from_the_store(setup):
    folder, frame = setup
    first = store.fit("counting", frame, outcome="y")
    second = store.fit("counting", frame.copy(), outcome="y")
    assert calls(folder) == 1
    assert second.main == first.main and second.main.estimate == 2.5


def test_different_data_or_spec_is_a_different_key(setup):
    folder, frame = setup
    store.fit("counting", frame, outcome="y")
    changed = frame.assign(y=frame["y"] + np.array([0, 0, 0, 1e-9]))
    store.fit("counting", changed, outcome="y")
    store.fit("counting", frame, outcome="y", pause=0.0)
    assert calls(folder) == 3


def test_without_a_store_it_is_plain_analysis_fit(setup, monkeypatch):
    folder, frame = setup
    monkeypatch.delenv(store.STORE_ENV)
    store.fit("counting", frame, outcome="y")
    store.fit("counting", frame, outcome="y")
    assert calls(folder) == 2 and not (folder / "store").exists()


def test_parallel_writers_compute_once_and_leave_no_temporary_files(setup):
    folder, frame = setup
    children = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            try:
                result = store.fit("counting", frame, outcome="y", pause=0.3)
                os._exit(0 if result.main.estimate == 2.5 else 1)
            except BaseException:
                os._exit(2)
        children.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    assert codes == [0, 0, 0]
    assert calls(folder) == 1
    files = [p.name for p in (folder / "store").rglob("*") if p.is_file()]
    assert sorted(f.rsplit(".", 1)[1] for f in files) == ["lock", "pickle"]


def test_a_corrupt_entry_is_recomputed(setup):
    folder, frame = setup
    store.fit("counting", frame, outcome="y")
    entry = next((folder / "store").rglob("*.pickle"))
    entry.write_bytes(b"not a pickle")
    assert store.fit("counting", frame, outcome="y").main.estimate == 2.5
    assert calls(folder) == 2


def test_a_real_fit_read_back_from_the_store_equals_the_computed_one(tmp_path, monkeypatch):
    from tests.known_truth import did_panel
    from workbench import analysis

    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    data = did_panel(n_units=20, n_treated=5, seed=3)
    spec = dict(outcome="y", unit="unit", time="year", treatment="post", draws=99)
    fresh = store.fit("did", data, **spec)
    again = store.fit("did", data, **spec)
    assert again is not fresh and again.to_dict() == fresh.to_dict() == analysis.fit("did", data, **spec).to_dict()
    assert again.plot_data().equals(fresh.plot_data())
