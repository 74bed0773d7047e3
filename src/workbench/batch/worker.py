"""Run one job in its own process: execute the template with papermill, export the brief.

`python -m workbench.batch.worker '<job json>'` prints one JSON line with the outcome. A fresh
process per job keeps kernels isolated (see the papermill concurrency notes in TOOLCHAIN.md),
and a crash in one job cannot take the others down. Outputs are written to temporary files and
renamed; a failed run keeps its partly executed notebook under `failed/` and nothing else.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def run_job(job: dict[str, Any], cwd: str, execution_timeout: int = 600) -> dict[str, Any]:
    """Execute and export one job; return its outcome (never raises for a failing notebook)."""
    import papermill as pm

    from workbench.briefs.export import export_html

    started = time.perf_counter()
    html, notebook, failed = Path(job["html"]), Path(job["notebook"]), Path(job["failed_notebook"])
    notebook.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{notebook.stem}.", suffix=".ipynb", dir=notebook.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        executed = pm.execute_notebook(
            job["template"], str(tmp), parameters=job["parameters"], cwd=cwd, progress_bar=False,
            log_output=False, execution_timeout=execution_timeout, report_mode=False,
        )
        record = export_html(executed, html, index_href=job["index_href"])
        os.replace(tmp, notebook)
        failed.unlink(missing_ok=True)
        return {"id": job["id"], "status": "built", "record": record,
                "seconds": round(time.perf_counter() - started, 2)}
    except Exception as exc:  # a failing brief is reported, not raised: the others go on
        if tmp.exists() and tmp.stat().st_size:
            failed.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, failed)
        return {"id": job["id"], "status": "failed", "error": describe(exc),
                "failed_notebook": str(failed) if failed.exists() else None,
                "seconds": round(time.perf_counter() - started, 2)}
    finally:
        tmp.unlink(missing_ok=True)


def describe(exc: BaseException) -> str:
    """One line saying why a job failed (the notebook's own error where there is one)."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        text = f"{ename}: {evalue}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:500]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the worker process."""
    argv = sys.argv[1:] if argv is None else argv
    job, cwd = json.loads(argv[0]), argv[1]
    timeout = int(argv[2]) if len(argv) > 2 else 600
    outcome = run_job(job, cwd, timeout)
    sys.stdout.write("\n" + json.dumps(outcome) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
