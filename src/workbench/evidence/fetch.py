"""Fetch published series (ONS, OHID Fingertips, Nomis), cached on disk, then ingest them.

    from workbench.evidence import fetch
    request = fetch.request_for("fingertips", indicator="90630", area_type="102")
    done = fetch.fetch_and_ingest(request, fetch.Fetcher())   # cached; read and checked as `ingest`

A :class:`Fetcher` keeps every response in a cache folder keyed by the request (a digest of
its address and parameters), so a second fetch of the same request reads the disk. It retries
with exponential backoff on HTTP 429, 500, 502, 503, 504 and on connection errors, waiting as
long as a ``Retry-After`` header asks (seconds or an HTTP date) up to ``max_wait``; an
unreachable server is one line (:class:`FetchError`), never a traceback. Provenance (address,
time fetched, licence, digest) is written beside the data in the cache and, through
:func:`workbench.evidence.ingest.ingest`, beside the ingested file under ``evidence/``.

The network is reached only through ``transport(url, timeout) -> Response``: tests give a
fake one that replays recorded responses. Request formats follow the team's reference notes on
the open-data APIs (Fingertips ``all_data/csv/by_indicator_id``, Nomis ``{dataset}.data.csv``,
ONS Explore Local Statistics CSVs as published in its data repository).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import DataValidationError, WorkbenchError
from workbench.evidence import ingest
from workbench.io import atomic_write_bytes, atomic_write_text

OGL = "Open Government Licence v3.0"
ONS_ELS = "https://raw.githubusercontent.com/ONSdigital/explore-local-statistics-data/{ref}/{name}/{name}.csv"
FINGERTIPS = "https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id"
NOMIS = "https://www.nomisweb.co.uk/api/v01/dataset/{dataset}.data.csv"
RETRY_STATUS = (429, 500, 502, 503, 504)
USER_AGENT = "workbench-fetch (Collaboration Evidence Workbench)"


class FetchError(WorkbenchError):
    """A fetch that failed: offline, refused, or a server that kept failing; the message is one line."""


@dataclass(frozen=True)
class Request:
    """One download: its address and parameters, the reader of its layout, and what it will be called."""

    source: str
    url: str
    params: tuple[tuple[str, str], ...]
    layout: str
    dataset_id: str
    filename: str
    licence: str = OGL
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str:
        """The full address requested (parameters in the given order)."""
        return self.url + ("?" + urllib.parse.urlencode(self.params, safe=",:") if self.params else "")

    @property
    def key(self) -> str:
        """The cache key: a digest of the address and its parameters."""
        return hashlib.sha256(self.address.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Response:
    """What a transport returns: HTTP status, headers and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Fetched:
    """A fetched (or cached) body on disk with its provenance."""

    path: Path
    provenance: dict[str, Any]
    from_cache: bool


def request_for(source: str, *, name: str | None = None, indicator: str | None = None, area_type: str | None = None,
                parent_area_type: str | None = "15", dataset: str | None = None,
                params: Mapping[str, str] | None = None, ref: str = "main") -> Request:
    """The :class:`Request` for ``fetch ons NAME``, ``fetch fingertips --indicator --area-type`` or
    ``fetch nomis --dataset NM_...`` (with extra Nomis query ``params``)."""
    if source == "ons":
        if not name or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
            raise FetchError(f"fetch ons needs an Explore Local Statistics indicator such as claimant-count, not {name!r}")
        if not re.fullmatch(r"[A-Za-z0-9._-]+", ref):
            raise FetchError(f"--ref {ref!r} is not a branch or commit")
        return Request("ons", ONS_ELS.format(ref=ref, name=name), (), "ons_els", "ons_" + name.replace("-", "_"),
                       f"{name}.csv")
    if source == "fingertips":
        if not (indicator and indicator.isdigit() and area_type and area_type.isdigit()):
            raise FetchError("fetch fingertips needs --indicator ID and --area-type ID (numbers, e.g. 90630 and 102)")
        query = [("indicator_ids", indicator), ("child_area_type_id", area_type)]
        if parent_area_type:
            query.append(("parent_area_type_id", str(parent_area_type)))
        return Request("fingertips", FINGERTIPS, tuple(query), "fingertips_api",
                       f"fingertips_{indicator}_{area_type}", f"fingertips_{indicator}_{area_type}.csv")
    if source == "nomis":
        if not dataset or not re.fullmatch(r"NM_\d+_\d+", dataset):
            raise FetchError(f"fetch nomis needs --dataset NM_<number>_<number> (e.g. NM_162_1), not {dataset!r}")
        slug = dataset.lower()
        return Request("nomis", NOMIS.format(dataset=dataset), tuple((params or {}).items()), "nomis", slug,
                       f"{dataset}.csv", options={"indicator": slug})
    raise FetchError(f"unknown source {source!r} (expected ons, fingertips or nomis)")


def urllib_transport(url: str, timeout: float) -> Response:
    """GET ``url`` with the standard library; an HTTP error status is a :class:`Response`, not an exception."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/csv, */*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 (https addresses only)
            return Response(reply.status, dict(reply.headers), reply.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, dict(exc.headers or {}), exc.read() or b"")


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def default_cache() -> Path:
    """$WORKBENCH_CACHE, else $XDG_CACHE_HOME/workbench/fetch, else ~/.cache/workbench/fetch."""
    if os.environ.get("WORKBENCH_CACHE"):
        return Path(os.environ["WORKBENCH_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "workbench" / "fetch"


class Fetcher:
    """Downloads with a disk cache and polite retries; ``transport``, ``sleep`` and ``now`` are injectable."""

    def __init__(self, cache: str | os.PathLike | None = None, transport: Callable[[str, float], Response] | None = None,
                 sleep: Callable[[float], None] | None = None, now: Callable[[], dt.datetime] | None = None,
                 attempts: int = 4, backoff: float = 1.0, max_wait: float = 120.0, timeout: float = 60.0,
                 refresh: bool = False):
        self.cache = Path(cache) if cache else default_cache()
        self.transport = transport or urllib_transport
        self.sleep = sleep or _sleep
        self.now = now or (lambda: dt.datetime.now(dt.timezone.utc))
        self.attempts, self.backoff, self.max_wait, self.timeout = max(1, attempts), backoff, max_wait, timeout
        self.refresh = refresh

    def folder(self, request: Request) -> Path:
        """Where a request's body and provenance are cached."""
        return self.cache / request.key

    def get(self, request: Request) -> Fetched:
        """The body of ``request``: from the cache when there (unless ``refresh``), else downloaded."""
        folder = self.folder(request)
        body, meta = folder / request.filename, folder / "provenance.json"
        if not self.refresh and body.is_file() and meta.is_file():
            return Fetched(body, json.loads(meta.read_text(encoding="utf-8")), True)
        response, attempts = self._download(request)
        provenance = {
            "source": request.source, "url": request.address, "fetched_at": self._stamp(),
            "licence": request.licence, "status": response.status, "bytes": len(response.body),
            "sha256": hashlib.sha256(response.body).hexdigest(), "attempts": attempts, "cache_key": request.key,
        }
        atomic_write_bytes(body, response.body)
        atomic_write_text(meta, json.dumps(provenance, indent=2, sort_keys=True) + "\n")
        return Fetched(body, provenance, False)

    def forget(self, request: Request) -> None:
        """Drop a request's cached body (a response that failed its checks is not kept)."""
        for path in (self.folder(request) / request.filename, self.folder(request) / "provenance.json"):
            path.unlink(missing_ok=True)

    def _stamp(self) -> str:
        return self.now().astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()

    def _download(self, request: Request) -> tuple[Response, int]:
        host = urllib.parse.urlsplit(request.url).netloc
        problem = ""
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.transport(request.address, self.timeout)
            except (OSError, ValueError) as exc:   # URLError, timeouts, refused connections are OSErrors
                problem = f"cannot reach {host} ({_reason(exc)}); are you offline? A cached copy is used when there is one"
                wait = self.backoff * 2 ** (attempt - 1)
            else:
                if 200 <= response.status < 300:
                    return response, attempt
                if response.status not in RETRY_STATUS:
                    raise FetchError(f"{request.address}: HTTP {response.status} {_snippet(response.body)}".rstrip())
                problem = f"{request.address}: HTTP {response.status} after {attempt} attempts"
                wait = self._retry_after(response) if "retry-after" in _lower(response.headers) else \
                    self.backoff * 2 ** (attempt - 1)
                if wait > self.max_wait:
                    raise FetchError(f"{request.address}: HTTP {response.status}, the server asks to wait "
                                     f"{wait:.0f} s (more than {self.max_wait:.0f} s); try again later")
            if attempt < self.attempts:
                self.sleep(wait)
        raise FetchError(problem)

    def _retry_after(self, response: Response) -> float:
        value = _lower(response.headers)["retry-after"].strip()
        if re.fullmatch(r"\d+(\.\d+)?", value):
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return self.backoff
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        return max(0.0, (when - self.now()).total_seconds())


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return " ".join(str(reason).split()) or type(exc).__name__


def _snippet(body: bytes) -> str:
    text = " ".join(re.sub(r"<[^>]+>", " ", body[:300].decode("utf-8", "replace")).split())
    return f"({text[:120]})" if text else ""


def fetch_and_ingest(request: Request, fetcher: Fetcher, *, dataset_id: str | None = None, catalog=None,
                     quarantine: str | os.PathLike | None = None,
                     options: Mapping[str, Any] | None = None) -> ingest.Ingested:
    """Fetch (or read from the cache), then ingest with the same reader and checks as `workbench ingest`.

    A body that fails the checks is dropped from the cache, so the next fetch asks again.
    """
    fetched = fetcher.get(request)
    merged = {**request.options, **{k: v for k, v in (options or {}).items() if v is not None}}
    try:
        return ingest.ingest(fetched.path, dataset_id or request.dataset_id, request.layout, catalog=catalog,
                             quarantine=quarantine, options=merged, licence=request.licence,
                             provenance=fetched.provenance)
    except DataValidationError:
        fetcher.forget(request)
        raise
