"""How a build reports itself: a progress bar on a terminal, quiet lines otherwise, or JSON events.

Each reporter is a callable taking the build's events (`start`, one `job` per job, `finish`),
chosen by :func:`reporter`. The closing summary fits on one screen: counts, time, at most
`MAX_LISTED` failures with their errors, and where the manifest, index and failed notebooks are.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from typing import Any, TextIO

MAX_LISTED = 10
FORMATS = ("text", "json")


class JsonReporter:
    """One JSON object per line for every event (for schedulers and log collectors)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout

    def __call__(self, event: dict[str, Any]) -> None:
        stamped = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **event}
        self.stream.write(json.dumps(stamped, default=str) + "\n")
        self.stream.flush()


class TextReporter:
    """Quiet text: a first line, failures as they happen, and the summary (for cron and CI logs)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout
        self.total = self.to_run = self.done = self.failed = 0
        self.started = time.monotonic()
        self.failures: list[tuple[str, str]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "start":
            self.total, self.to_run = event["total"], event["to_run"]
            self.started = time.monotonic()
            how = f" on {event['executor']}" if event.get("executor") else ""
            self._line(f"{self.total} job(s): {self.to_run} to run{how}, {event['skipped']} up to date")
        elif kind == "job" and event["status"] != "skipped":
            self.done += 1
            if event["status"] == "failed":
                self.failed += 1
                self.failures.append((event["id"], event.get("error") or ""))
                self.on_failure(event)
            self.on_progress()
        elif kind == "finish":
            self.on_finish(event)

    def on_failure(self, event: dict[str, Any]) -> None:
        """A job failed (text mode prints it at once)."""
        self._line(f"  FAILED {event['id']}: {_clip(event.get('error') or '', 160)}")

    def on_progress(self) -> None:
        """A job finished (nothing to show in quiet mode)."""

    def on_finish(self, event: dict[str, Any]) -> None:
        """Print the one-screen summary."""
        self._line(f"{event['built']} built, {event['skipped']} up to date, {event['failed']} failed "
                   f"in {event['seconds']} s")
        if self.failures:
            width = shutil.get_terminal_size((100, 24)).columns
            self._line("Failed jobs (their notebooks are under reports/failed/; the next build re-runs them):")
            for job_id, error in self.failures[:MAX_LISTED]:
                self._line("  " + _clip(f"{job_id}: {error}", max(60, width - 3)))
            if len(self.failures) > MAX_LISTED:
                self._line(f"  ... and {len(self.failures) - MAX_LISTED} more (see the manifest)")

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


class BarReporter(TextReporter):
    """A one-line progress bar: done/total, failures, elapsed time and ETA (for a terminal)."""

    def on_failure(self, event: dict[str, Any]) -> None:
        """Failures are listed in the summary; the bar counts them."""

    def on_progress(self) -> None:
        """Redraw the bar."""
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.to_run - self.done) if self.done else 0.0
        width = 24
        filled = int(width * self.done / self.to_run) if self.to_run else width
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.to_run}  {self.failed} failed  "
                          f"{_clock(elapsed)} elapsed, ETA {_clock(eta)} ")
        self.stream.flush()

    def on_finish(self, event: dict[str, Any]) -> None:
        """End the bar's line, then the summary."""
        if self.done:
            self.stream.write("\n")
        super().on_finish(event)


def reporter(log_format: str = "text", stream: TextIO | None = None):
    """The reporter for `--log-format`: JSON events, or a bar on a terminal and quiet text elsewhere."""
    stream = stream or sys.stdout
    if log_format == "json":
        return JsonReporter(stream)
    tty = stream.isatty() and os.environ.get("TERM") != "dumb"
    return BarReporter(stream) if tty else TextReporter(stream)


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."
