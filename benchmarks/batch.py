"""Batch builds: the same job list built three ways in one run, plus a no-op rebuild.

    python benchmarks/batch.py [--config workbench.yaml] [--jobs N] [--only PATTERN]

1. the serial command-line loop: for each job, `papermill` then `jupyter nbconvert --to html
   --no-input` (a fresh interpreter and kernel per notebook, as a shell script would do it);
2. papermill's API in a process pool of N (`ProcessPoolExecutor`, papermill's own nbclient
   engine, a kernel per notebook), each notebook exported in-process with nbconvert;
3. `workbench build --force --jobs N` with an empty shared-results store (cold), and again with
   the store left from the previous run (warm);
4. `workbench build` with nothing changed (a no-op rebuild).

Every way writes into its own scratch folder, reads the same evidence and templates, and no
way sees the shared-results store except `workbench build` (the template calls `store.fit`,
which is plain `analysis.fit` when no store is configured). Prints a table of seconds, briefs
per minute and the speed-up over the serial loop. Run on demand, never in CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def scratch_config(config: Path, folder: Path) -> Path:
    """The config, rewritten to build into `folder` with absolute template and catalogue paths."""
    raw = yaml.safe_load(config.read_text())
    raw["reports"] = str(folder / "reports")
    raw["catalog"] = str((config.parent / raw.get("catalog", "evidence/catalog.yaml")).resolve())
    for job in raw["jobs"]:
        job["template"] = str((config.parent / job["template"]).resolve())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "workbench.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def environment(catalog: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_STORE"}
    env["WORKBENCH_CATALOG"] = str(catalog)
    return env


def serial_cli(jobs, folder: Path, env) -> float:
    """papermill, then jupyter nbconvert, one job after another, each a new process."""
    started = time.perf_counter()
    for job in jobs:
        out = folder / f"{job.flat_id}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(job.template), str(out), "-y", yaml.safe_dump(job.parameters),
                        "--cwd", str(ROOT), "--no-progress-bar", "--log-level", "ERROR"],
                       check=True, env=env, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
                       check=True, env=env, capture_output=True)
    return time.perf_counter() - started


def _pool_job(args) -> str:
    template, parameters, out, catalog = args
    os.environ["WORKBENCH_CATALOG"] = catalog
    os.environ.pop("WORKBENCH_STORE", None)
    import papermill as pm
    from nbconvert import HTMLExporter

    nb = pm.execute_notebook(template, out, parameters=parameters, cwd=str(ROOT), progress_bar=False)
    exporter = HTMLExporter()
    exporter.exclude_input = True
    body, _ = exporter.from_notebook_node(nb)
    Path(out).with_suffix(".html").write_text(body)
    return out


def papermill_pool(jobs, folder: Path, workers: int, catalog: Path) -> float:
    """papermill's API in a pool of `workers` processes."""
    started = time.perf_counter()
    tasks = [(str(j.template), j.parameters, str(folder / f"{j.flat_id}.ipynb"), str(catalog)) for j in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_pool_job, tasks))
    return time.perf_counter() - started


def workbench_build(config: Path, workers: int, env, *extra: str) -> float:
    """`workbench build` as a command (interpreter start included)."""
    started = time.perf_counter()
    proc = subprocess.run([str(BIN / "workbench"), "build", "--config", str(config), "--jobs", str(workers), *extra],
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"workbench build failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "workbench.yaml"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", help="only jobs whose id contains this text")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from workbench.batch.plan import load_plan

    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        tmp = Path(tmp)
        config = scratch_config(Path(args.config).resolve(), tmp / "build")
        plan = load_plan(config).select(args.only)
        jobs, env = plan.jobs, environment(plan.catalog)
        n = len(jobs)
        print(f"{n} jobs, {args.jobs} workers, {os.cpu_count()} cores; config {args.config}", flush=True)
        rows = []
        for name, run in [
            ("serial loop: papermill CLI, then jupyter nbconvert --to html --no-input",
             lambda: serial_cli(jobs, _fresh(tmp / "serial"), env)),
            (f"papermill API in a process pool of {args.jobs}",
             lambda: papermill_pool(jobs, _fresh(tmp / "pool"), args.jobs, plan.catalog)),
            (f"workbench build --force --jobs {args.jobs} (empty store)",
             lambda: (shutil.rmtree(plan.state_dir / "store", ignore_errors=True),
                      workbench_build(config, args.jobs, env, "--force"))[1]),
            (f"workbench build --force --jobs {args.jobs} (store from the previous build)",
             lambda: workbench_build(config, args.jobs, env, "--force")),
            ("workbench build, nothing changed (no-op rebuild)",
             lambda: workbench_build(config, args.jobs, env)),
        ]:
            seconds = run()
            rows.append((name, seconds))
            print(f"  {seconds:7.1f} s  {name}", flush=True)
    serial = rows[0][1]
    print()
    print("| how | seconds | briefs per minute | speed-up over the serial loop |")
    print("|---|---:|---:|---:|")
    for name, seconds in rows:
        per_minute = "-" if "no-op" in name else f"{n / seconds * 60:.1f}"
        print(f"| {name} | {seconds:.2f} | {per_minute} | {serial / seconds:.1f}x |")


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


if __name__ == "__main__":
    main()
