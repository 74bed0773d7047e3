"""The `workbench` command: thin over the library.

Errors the workbench raises on purpose print as one line on stderr and exit 2 (a traceback only
with --debug). `build` exits 0 when no job failed (built or up to date) and 1 when any failed;
3 when another build holds the lock (without --wait); 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workbench.errors import BuildLockedError, WorkbenchError

EXIT_OK, EXIT_FAILED_JOBS, EXIT_ERROR, EXIT_LOCKED = 0, 1, 2, 3


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
    from workbench.batch.forking import share_cores

    if args.pdf:
        from workbench.briefs.browser import require_browser

        require_browser()            # say so before a long build, not after it
    if args.scheduler is None:
        share_cores(args.jobs)       # before numpy is imported
    from workbench.batch.build import build
    from workbench.batch.executors import executor
    from workbench.batch.plan import load_plan
    from workbench.batch.progress import reporter

    plan = load_plan(args.config).select(args.only)
    runner = executor(args.scheduler, workers=args.jobs, timeout=args.timeout, retries=args.retries,
                      engine=args.engine)
    result = build(plan, runner, force=args.force, wait=args.wait, on_event=reporter(args.log_format))
    if args.pdf:
        from workbench.briefs.browser import write_pdfs

        pdfs = write_pdfs(job.html for job in plan.jobs if job.html.exists())
        if args.log_format == "text":
            print(f"pdf: {len(pdfs)} briefs printed to A4 PDF beside their HTML")
    if args.log_format == "text":
        print(f"manifest: {os.path.relpath(plan.manifest)}")
        print(f"index: {plan.index}")
    return EXIT_OK if result.ok else EXIT_FAILED_JOBS


def cmd_plan(args) -> int:
    import json

    from workbench.batch.keys import plan_status
    from workbench.batch.plan import load_plan

    plan = load_plan(args.config).select(args.only)
    for keyed in plan_status(plan, force=args.force):
        print(json.dumps(keyed.to_dict(plan.root)))
    return EXIT_OK


def _pairs(items: list[str] | None, what: str) -> dict[str, str]:
    """NAME=VALUE arguments as a dict; anything else is a one-line error."""
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise WorkbenchError(f"{what} {item!r} is not NAME=VALUE")
        out[key] = value
    return out


def _reader_options(args) -> dict:
    return {"indicator": getattr(args, "indicator", None), "area_column": args.area_column, "name_column": args.name_column,
            "measures": _pairs(args.measure, "--measure") or None, "period_type": args.period_type}


def cmd_ingest(args) -> int:
    from workbench.evidence import ingest

    done = ingest.ingest(args.file, args.dataset, args.format, catalog=_catalog(args), quarantine=args.quarantine,
                         options=_reader_options(args), title=args.title, licence=args.licence, source=args.source,
                         max_bytes=args.max_bytes)
    print(done.summary())
    return EXIT_OK


def cmd_fetch(args) -> int:
    from workbench.evidence import fetch

    fetcher = fetch.Fetcher(cache=args.cache, refresh=args.refresh)
    request = fetch.request_for(args.source, name=args.name, indicator=args.indicator, area_type=args.area_type,
                                parent_area_type=args.parent_area_type, dataset=args.nomis_dataset,
                                params=_pairs(args.param, "--param"), ref=args.ref)
    options = _reader_options(args)
    options["indicator"] = args.indicator if args.source == "nomis" else None
    done = fetch.fetch_and_ingest(request, fetcher, dataset_id=args.dataset, catalog=_catalog(args),
                                  quarantine=args.quarantine, options=options)
    print(done.summary())
    return EXIT_OK


def _ingest_options(p: argparse.ArgumentParser, indicator: bool = True) -> None:
    p.add_argument("--quarantine", metavar="PATH", help="let the good rows in; write the bad ones to PATH (CSV, with a reason column)")
    if indicator:
        p.add_argument("--indicator", help="indicator id for a file of one indicator (wide, nomis, long without an indicator column)")
    p.add_argument("--area-column", help="wide tables: the column of area codes (default area_code)")
    p.add_argument("--name-column", help="wide tables: the column of area names")
    p.add_argument("--measure", action="append", metavar="NAME=ROLE",
                   help="nomis: the role of a MEASURE_NAME (value, numerator, denominator, lci_95, uci_95)")
    p.add_argument("--period-type", choices=("financial", "academic"), help="what a label such as 2008/09 means (default financial)")
    p.add_argument("--catalog", help="catalogue file (default: evidence/catalog.yaml of this project)")


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
    b.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="jobs at a time (default: the number of cores; Dask LocalCluster workers)")
    b.add_argument("--only", metavar="PATTERN", help="only jobs whose id contains PATTERN or matches it as a glob")
    b.add_argument("--force", action="store_true", help="run every job, even those that are up to date")
    b.add_argument("--timeout", type=float, default=1800, help="seconds allowed per job before it is killed")
    b.add_argument("--retries", type=int, default=0, help="run a failed job up to N more times")
    b.add_argument("--engine", default="workbench", choices=("workbench", "nbclient"),
                   help="papermill engine: in-process forked children (default) or papermill's own (a kernel per job)")
    b.add_argument("--scheduler", metavar="tcp://HOST:PORT|local",
                   help="run the jobs on a Dask cluster (`local` starts a LocalCluster)")
    b.add_argument("--wait", action="store_true", help="if another build holds the lock, wait for it")
    b.add_argument("--pdf", action="store_true",
                   help="also print each brief to an A4 PDF beside its HTML (headless Chromium: /usr/bin/chromium)")
    b.add_argument("--log-format", default="text", choices=("text", "json"),
                   help="text (a progress bar on a terminal) or one JSON event per line")
    b.set_defaults(func=cmd_build)

    pl = sub.add_parser("plan", help="print the build's jobs as JSON lines: id, template, parameters, "
                                     "outputs, key, and whether a build would run it")
    pl.add_argument("--config", default="workbench.yaml", help="build config (default: workbench.yaml)")
    pl.add_argument("--only", metavar="PATTERN", help="only jobs whose id contains PATTERN or matches it as a glob")
    pl.add_argument("--force", action="store_true", help="as `build --force` would see it")
    pl.set_defaults(func=cmd_plan)

    i = sub.add_parser("ingest", help="check a file and add it to the evidence base as a dataset (new, or a new version)")
    i.add_argument("file", help="the data file (CSV, or gzipped CSV)")
    i.add_argument("--as", dest="dataset", required=True, metavar="ID", help="the dataset id (new, or catalogued)")
    i.add_argument("--format", choices=("ons", "fingertips", "nomis", "wide", "long"),
                   help="the publisher's layout (default: told from the header)")
    i.add_argument("--title", help="a title for a new dataset's catalogue entry")
    i.add_argument("--licence", help="the data's licence (e.g. Open Government Licence v3.0)")
    i.add_argument("--source", help="where the data came from")
    i.add_argument("--max-bytes", type=int, help="refuse files larger than this (default 256 MiB or $WORKBENCH_INGEST_MAX_BYTES)")
    _ingest_options(i)
    i.set_defaults(func=cmd_ingest)

    f = sub.add_parser("fetch", help="download a published series (cached), then ingest it")
    f.add_argument("source", choices=("ons", "fingertips", "nomis"), help="the publisher")
    f.add_argument("name", nargs="?", help="ons: the Explore Local Statistics indicator (e.g. claimant-count)")
    f.add_argument("--indicator", help="fingertips: the indicator id (e.g. 90630); nomis: the id the series gets")
    f.add_argument("--area-type", help="fingertips: the child area type id (102: upper tier before April 2019)")
    f.add_argument("--parent-area-type", default="15", help="fingertips: the parent area type id (default 15, England)")
    f.add_argument("--dataset", dest="nomis_dataset", metavar="NM_...", help="nomis: the dataset (e.g. NM_162_1)")
    f.add_argument("--param", action="append", metavar="NAME=VALUE", help="nomis: a query parameter (geography=..., date=...)")
    f.add_argument("--ref", default="main", help="ons: the branch or commit of the published data (default main)")
    f.add_argument("--as", dest="dataset", metavar="ID", help="the dataset id (default: from the request)")
    f.add_argument("--cache", help="cache folder (default $WORKBENCH_CACHE or ~/.cache/workbench/fetch)")
    f.add_argument("--refresh", action="store_true", help="fetch again even if the request is cached")
    _ingest_options(f, indicator=False)
    f.set_defaults(func=cmd_fetch)

    g = sub.add_parser("designs", help="list the analysis designs in the estimator registry")
    g.set_defaults(func=cmd_designs)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BuildLockedError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_LOCKED
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
