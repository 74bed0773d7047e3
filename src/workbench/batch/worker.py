"""Run one job: execute the template with papermill, export the brief, write outputs atomically.

`run_job` is what a forked child (or a Dask task's child) calls. While it runs, papermill saves
the notebook after every cell to the job's partial file under `reports/.workbench/partial/`; a
successful run renames it to `reports/notebooks/`, a failed one to `reports/failed/`, so a
killed run leaves its partly executed notebook for the parent to keep. The brief page is written
to a temporary file and renamed. `python -m workbench.batch.worker '<job json>' CWD` runs one job
in a process of its own and prints its outcome as one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ENGINES = ("workbench", "nbclient")


def partial_path(job: dict[str, Any]) -> Path:
    """Where a job's notebook is saved while it runs."""
    notebook = Path(job["notebook"])
    return notebook.parent.parent / ".workbench" / "partial" / notebook.name


def keep_failed(job: dict[str, Any]) -> str | None:
    """Move a failed job's partly executed notebook to `failed/`; return where it went."""
    partial, failed = partial_path(job), Path(job["failed_notebook"])
    if partial.exists() and partial.stat().st_size:
        failed.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, failed)
    partial.unlink(missing_ok=True)
    return str(failed) if failed.exists() else None


def run_job(job: dict[str, Any], cwd: str, engine: str = "workbench",
            execution_timeout: float | None = None) -> dict[str, Any]:
    """Execute and export one job; return its outcome (never raises for a failing notebook)."""
    import papermill as pm
    from papermill.engines import papermill_engines

    from workbench.batch.engine import WorkbenchEngine
    from workbench.briefs.export import export_html

    papermill_engines.register("workbench", WorkbenchEngine)   # also registered by entry point
    started = time.perf_counter()
    html, notebook, failed = Path(job["html"]), Path(job["notebook"]), Path(job["failed_notebook"])
    partial = partial_path(job)
    partial.parent.mkdir(parents=True, exist_ok=True)
    notebook.parent.mkdir(parents=True, exist_ok=True)
    try:
        executed = pm.execute_notebook(
            job["template"], str(partial), parameters=job["parameters"], cwd=cwd, progress_bar=False,
            log_output=False, execution_timeout=execution_timeout, report_mode=False,
            engine_name=None if engine == "nbclient" else engine,
        )
        record = export_html(executed, html, index_href=job["index_href"])
        os.replace(partial, notebook)
        failed.unlink(missing_ok=True)
        return {"id": job["id"], "status": "built", "record": record,
                "seconds": round(time.perf_counter() - started, 2)}
    except Exception as exc:  # a failing brief is reported, not raised: the others go on
        return {"id": job["id"], "status": "failed", "error": describe(exc),
                "failed_notebook": keep_failed(job), "seconds": round(time.perf_counter() - started, 2)}


def describe(exc: BaseException) -> str:
    """One line saying why a job failed (the notebook's own error where there is one)."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        text = f"{ename}: {evalue}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:500]


def main(argv: list[str] | None = None) -> int:
    """Entry point of a one-job worker process."""
    argv = sys.argv[1:] if argv is None else argv
    job, cwd = json.loads(argv[0]), argv[1]
    engine = argv[2] if len(argv) > 2 else "workbench"
    outcome = run_job(job, cwd, engine)
    sys.stdout.write("\n" + json.dumps(outcome) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
