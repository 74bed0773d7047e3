"""Reporters: JSON events, a quiet text log with a one-screen summary, a progress bar on a terminal."""

from __future__ import annotations

import io
import json

from workbench.batch.progress import BarReporter, JsonReporter, TextReporter, reporter

EVENTS = [
    {"event": "start", "total": 4, "to_run": 3, "skipped": 1, "executor": "2 local worker(s)"},
    {"event": "job", "id": "a/1", "status": "skipped", "reason": "up to date"},
    {"event": "job", "id": "a/2", "status": "built", "seconds": 1.5},
    {"event": "job", "id": "a/3", "status": "failed", "seconds": 0.4, "error": "ValueError: bad\nthing"},
    {"event": "job", "id": "a/4", "status": "built", "seconds": 1.0},
    {"event": "finish", "built": 2, "skipped": 1, "failed": 1, "seconds": 3.2},
]


class Tty(io.StringIO):
    def isatty(self):
        return True


def play(rep):
    for event in EVENTS:
        rep(event)
    return rep.stream.getvalue()


def test_json_gives_one_event_per_line():
    lines = [json.loads(line) for line in play(JsonReporter(io.StringIO())).splitlines()]
    assert [x["event"] for x in lines] == ["start", "job", "job", "job", "job", "finish"]
    assert lines[3]["id"] == "a/3" and lines[3]["status"] == "failed" and "time" in lines[3]


def test_text_is_quiet_except_failures_and_the_summary():
    out = play(TextReporter(io.StringIO())).splitlines()
    assert out == [
        "4 job(s): 3 to run on 2 local worker(s), 1 up to date",
        "  FAILED a/3: ValueError: bad thing",
        "2 built, 1 up to date, 1 failed in 3.2 s",
        "Failed jobs (their notebooks are under reports/failed/; the next build re-runs them):",
        "  a/3: ValueError: bad thing",
    ]


def test_a_terminal_gets_a_bar_with_counts_failures_and_eta():
    out = play(BarReporter(Tty()))
    assert "\r[################........] 2/3  1 failed" in out and "ETA" in out
    assert out.rstrip().endswith("a/3: ValueError: bad thing")


def test_the_reporter_is_chosen_by_format_and_terminal():
    assert isinstance(reporter("json", io.StringIO()), JsonReporter)
    assert type(reporter("text", io.StringIO())) is TextReporter
    assert type(reporter("text", Tty())) is BarReporter
