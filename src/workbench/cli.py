"""The `workbench` command: thin over the library.

Errors the workbench raises on purpose print as one line on stderr and exit 2 (a traceback only
with --debug). `build` exits 0 when every brief built and 1 when any failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workbench.errors import WorkbenchError

EXIT_OK, EXIT_FAILED_JOBS, EXIT_ERROR = 0, 1, 2


def _catalog(args):
    from workbench.evidence import Catalog, find_catalog

    return Catalog.from_file(args.catalog or find_catalog())


def cmd_validate(args) -> int:
    from workbench import evidence

    catalog = _catalog(args)
    if args.file:
        if not args.dataset:
            raise WorkbenchError("validate FILE needs --as DATASET_ID (the schema to check it against)")
        frame = evidence.validate_file(args.file, args.dataset, catalog)
        print(f"ok: {args.file} is a valid '{args.dataset}' dataset ({len(frame)} rows)")
        return EXIT_OK
    for entry in catalog:
        frame = evidence.load(entry.id, catalog)
        note = " [synthetic]" if entry.synthetic else ""
        print(f"ok: {entry.id}{note} ({len(frame)} rows) {os.path.relpath(entry.path)}")
    return EXIT_OK


def cmd_demo_data(args) -> int:
    from workbench.evidence import demo

    catalog = _catalog(args)
    path = catalog[demo.DEMO_DATASET].path
    wanted = demo.to_csv_bytes(demo.generate(catalog))
    if args.check:
        if not path.exists() or path.read_bytes() != wanted:
            print(f"{os.path.relpath(path)} differs from what the generator writes; run `workbench demo-data`",
                  file=sys.stderr)
            return EXIT_FAILED_JOBS
        print(f"ok: {os.path.relpath(path)} matches the generator")
        return EXIT_OK
    demo.write_demo(catalog)
    rows = wanted.count(b"\n") - 1
    print(f"wrote {os.path.relpath(path)} (synthetic demo panel, {rows} rows)")
    return EXIT_OK


def cmd_build(args) -> int:
    from workbench.batch import LocalExecutor, build, load_plan

    plan = load_plan(args.config).select(args.only)
    executor = LocalExecutor(workers=args.jobs, execution_timeout=args.timeout)
    print(f"building {len(plan.jobs)} brief(s) with {executor.workers} worker(s)", flush=True)

    def report(outcome):
        if outcome["status"] == "built":
            print(f"  built   {outcome['id']} ({outcome['seconds']} s)", flush=True)
        else:
            print(f"  FAILED  {outcome['id']}: {outcome['error']}", flush=True)

    result = build(plan, executor, on_done=report)
    print(f"{len(result.built)} built, {len(result.failed)} failed in {result.seconds} s; "
          f"manifest {os.path.relpath(plan.manifest)}")
    print(f"index: {plan.index}")
    return EXIT_OK if result.ok else EXIT_FAILED_JOBS


def cmd_designs(args) -> int:
    from workbench import analysis

    print(analysis.designs().to_string(index=False))
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    p = argparse.ArgumentParser(prog="workbench", description="Collaboration Evidence Workbench")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check every catalogued dataset, or one file against a dataset's schema")
    v.add_argument("file", nargs="?", help="a file to check (with --as)")
    v.add_argument("--as", dest="dataset", metavar="DATASET_ID", help="the catalogued dataset whose schema applies")
    v.add_argument("--catalog", help="catalogue file (default: evidence/catalog.yaml of this project)")
    v.set_defaults(func=cmd_validate)

    d = sub.add_parser("demo-data", help="(re)generate the synthetic demo panel from the catalogue's seed")
    d.add_argument("--check", action="store_true", help="only check that the file on disk is what the generator writes")
    d.add_argument("--catalog", help="catalogue file")
    d.set_defaults(func=cmd_demo_data)

    b = sub.add_parser("build", help="execute the brief notebooks and export the HTML briefs and index")
    b.add_argument("--config", default="workbench.yaml", help="build config (default: workbench.yaml)")
    b.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers")
    b.add_argument("--only", help="only jobs whose id contains this text")
    b.add_argument("--timeout", type=int, default=600, help="seconds allowed per notebook cell")
    b.set_defaults(func=cmd_build)

    g = sub.add_parser("designs", help="list the analysis designs in the estimator registry")
    g.set_defaults(func=cmd_designs)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except WorkbenchError as exc:
        if args.debug:
            raise
        print(f"workbench: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
