"""`workbench fetch`: cached downloads with polite retries, replayed from recorded responses.

The recorded responses are built from the real files shipped under evidence/raw/ (slices of
them, in the layout each service returns). No test reaches the network: every socket is refused.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import socket

import pytest

from tests.evidence.conftest import ROOT, snapshot
from workbench import evidence
from workbench.cli import main
from workbench.errors import DataValidationError
from workbench.evidence import fetch
from workbench.evidence.catalog import Catalog

RAW = ROOT / "evidence" / "raw"
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a socket or resolve a name fails, as when offline."""
    def refuse(*args, **kwargs):
        raise OSError("network access is not allowed in tests")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def shipped(relative: str, lines: int) -> bytes:
    """The first lines of a shipped gzipped file, as the service sent them (byte-order mark kept)."""
    text = gzip.decompress((RAW / relative).read_bytes())
    return b"".join(text.splitlines(keepends=True)[:lines])


def fingertips_api_csv() -> bytes:
    """The children-in-care extract's first rows in the Fingertips API's CSV layout."""
    header = ("Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
              "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Count,"
              "Denominator,Value note")
    rows = shipped("fingertips/children_in_care.csv.gz", 25).decode().splitlines()[1:]
    out = [header]
    for line in rows:
        code, name, period, value, *_ = line.split(",")
        out.append(f'90803,"Children in care",E92000001,England,{code},"{name}",UA,Persons,<18 yrs,,,{period},{value},,,,,')
    # breakdowns the API adds: another sex, and a category (deprivation decile) of the parent area
    out.append('90803,"Children in care",E92000001,England,E47000001,"Greater Manchester",UA,Male,<18 yrs,,,2012,80.1,,,,,')
    out.append('90803,"Children in care",,,E92000001,England,England,Persons,<18 yrs,'
               '"County & UA deprivation deciles",Most deprived decile,2012,120.4,,,,,')
    return ("\r\n".join(out) + "\r\n").encode()


def nomis_csv() -> bytes:
    """Claimant-count rates from the ONS file, as Nomis would send them (12-month spans)."""
    rows = shipped("ons_explore_local_statistics/claimant-count.csv.gz", 60).decode("utf-8-sig").splitlines()[1:]
    out = ['"DATE_NAME","GEOGRAPHY_NAME","GEOGRAPHY_CODE","MEASURE_NAME","OBS_VALUE"']
    for line in rows:
        cells = line.split(",")
        year = cells[4][:4]
        out.append(f'"Jan {year}-Dec {year}","{cells[1]}","{cells[0]}","Claimants as a proportion of residents aged 16-64",{cells[5]}')
    return ("\n".join(out) + "\n").encode()


class Replay:
    """A transport replaying recorded responses per address, in order; it records every call."""

    def __init__(self, responses: dict[str, list[fetch.Response]]):
        self.responses = {url: list(queue) for url, queue in responses.items()}
        self.calls: list[str] = []

    def __call__(self, url: str, timeout: float) -> fetch.Response:
        self.calls.append(url)
        return self.responses[url].pop(0)


def ok(body: bytes) -> fetch.Response:
    return fetch.Response(200, {"Content-Type": "text/csv"}, body)


ONS = fetch.request_for("ons", name="claimant-count")
ONS_BODY = shipped("ons_explore_local_statistics/claimant-count.csv.gz", 80)


def fetcher(tmp_path, transport, **kwargs):
    sleeps = []
    made = fetch.Fetcher(cache=tmp_path / "cache", transport=transport, sleep=sleeps.append, now=lambda: NOW, **kwargs)
    return made, sleeps


def test_requests_are_built_as_the_services_document_them():
    assert ONS.address == ("https://raw.githubusercontent.com/ONSdigital/explore-local-statistics-data/main/"
                           "claimant-count/claimant-count.csv")
    ft = fetch.request_for("fingertips", indicator="90803", area_type="102")
    assert ft.address == ("https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?indicator_ids=90803"
                          "&child_area_type_id=102&parent_area_type_id=15")
    nm = fetch.request_for("nomis", dataset="NM_162_1", params={"geography": "E08000009,E92000001", "measures": "20100"})
    assert nm.address == ("https://www.nomisweb.co.uk/api/v01/dataset/NM_162_1.data.csv?"
                          "geography=E08000009,E92000001&measures=20100")
    assert (ft.layout, nm.layout, nm.dataset_id) == ("fingertips_api", "nomis", "nm_162_1")
    assert ft.key != fetch.request_for("fingertips", indicator="90803", area_type="202").key


@pytest.mark.parametrize("kwargs, message", [
    ({"source": "ons", "name": "../etc"}, "fetch ons needs an Explore Local Statistics indicator"),
    ({"source": "fingertips", "indicator": "90803"}, "needs --indicator ID and --area-type ID"),
    ({"source": "nomis", "dataset": "claims"}, "fetch nomis needs --dataset NM_"),
    ({"source": "stat-xplore"}, "unknown source 'stat-xplore'"),
])
def test_bad_requests_are_one_clear_error(kwargs, message):
    with pytest.raises(fetch.FetchError, match=message):
        fetch.request_for(kwargs.pop("source"), **kwargs)


def test_a_cached_request_is_not_requested_again(tmp_path):
    replay = Replay({ONS.address: [ok(ONS_BODY)]})
    made, _ = fetcher(tmp_path, replay)
    first = made.get(ONS)
    second = made.get(ONS)
    assert replay.calls == [ONS.address]
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.path.read_bytes() == ONS_BODY and second.provenance == first.provenance


def test_refresh_asks_again(tmp_path):
    replay = Replay({ONS.address: [ok(ONS_BODY), ok(ONS_BODY)]})
    made, _ = fetcher(tmp_path, replay)
    made.get(ONS)
    fetch.Fetcher(cache=tmp_path / "cache", transport=replay, refresh=True).get(ONS)
    assert len(replay.calls) == 2


def test_429_with_retry_after_waits_as_asked_then_succeeds(tmp_path):
    replay = Replay({ONS.address: [fetch.Response(429, {"Retry-After": "7"}, b'{"error":"too many requests"}'),
                                   fetch.Response(429, {"retry-after": "Mon, 02 Mar 2026 09:30:30 GMT"}, b""),
                                   ok(ONS_BODY)]})
    made, sleeps = fetcher(tmp_path, replay)
    got = made.get(ONS)
    assert sleeps == [7.0, 30.0] and len(replay.calls) == 3
    assert got.provenance["attempts"] == 3 and got.path.read_bytes() == ONS_BODY


def test_server_errors_back_off_exponentially(tmp_path):
    busy = fetch.Response(503, {}, b"busy")
    replay = Replay({ONS.address: [busy, busy, busy, ok(ONS_BODY)]})
    made, sleeps = fetcher(tmp_path, replay, backoff=0.5)
    made.get(ONS)
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_server_that_keeps_failing_or_asks_too_long_a_wait_is_one_line(tmp_path):
    busy = fetch.Response(503, {}, b"busy")
    made, sleeps = fetcher(tmp_path, Replay({ONS.address: [busy] * 4}))
    with pytest.raises(fetch.FetchError, match=r"claimant-count.csv: HTTP 503 after 4 attempts$"):
        made.get(ONS)
    assert sleeps == [1.0, 2.0, 4.0]
    made, _ = fetcher(tmp_path, Replay({ONS.address: [fetch.Response(429, {"Retry-After": "3600"}, b"")]}))
    with pytest.raises(fetch.FetchError, match="the server asks to wait 3600 s"):
        made.get(ONS)


def test_a_missing_resource_is_not_retried(tmp_path):
    replay = Replay({ONS.address: [fetch.Response(404, {}, b"<html><body>404: Not Found</body></html>")]})
    made, sleeps = fetcher(tmp_path, replay)
    with pytest.raises(fetch.FetchError, match=r"HTTP 404 \(404: Not Found\)"):
        made.get(ONS)
    assert sleeps == [] and len(replay.calls) == 1


def test_offline_is_one_line_exit_2_and_nothing_written(evidence_tree, tmp_path, monkeypatch, capsys):
    waits = []
    monkeypatch.setattr(fetch, "_sleep", waits.append)          # the real transport, with sockets refused
    before = snapshot(evidence_tree.root)
    code = main(["fetch", "ons", "claimant-count", "--cache", str(tmp_path / "cache"),
                 "--catalog", str(evidence_tree.path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("workbench: error: cannot reach raw.githubusercontent.com (")
    assert "are you offline?" in err
    assert waits == [1.0, 2.0, 4.0]
    assert snapshot(evidence_tree.root) == before


def test_fetch_ons_ends_in_an_ingested_dataset_with_its_provenance(evidence_tree, tmp_path):
    made, _ = fetcher(tmp_path, Replay({ONS.address: [ok(ONS_BODY)]}))
    done = fetch.fetch_and_ingest(ONS, made, catalog=evidence_tree)
    cached = json.loads((made.folder(ONS) / "provenance.json").read_text())
    assert cached["url"] == ONS.address and cached["fetched_at"] == "2026-03-02T09:30:00+00:00"
    assert cached["licence"] == "Open Government Licence v3.0" and cached["bytes"] == len(ONS_BODY)
    beside = json.loads((done.path.parent / "provenance.json").read_text())
    assert beside == cached and done.path.read_bytes() == ONS_BODY
    catalog = Catalog.from_file(evidence_tree.path)
    entry = catalog["ons_claimant_count"]
    assert entry.extra["source_url"] == ONS.address and entry.licence == "Open Government Licence v3.0"
    assert entry.source == f"fetched from {ONS.address} on 2026-03-02T09:30:00+00:00"
    panel = evidence.load("ons_claimant_count", catalog)
    assert panel[(panel["area_code"] == "K02000001") & (panel["period"] == "2001")]["value"].item() == 2.6


def test_fetch_fingertips_and_nomis_read_with_their_readers(evidence_tree, tmp_path):
    ft = fetch.request_for("fingertips", indicator="90803", area_type="102")
    nm = fetch.request_for("nomis", dataset="NM_162_1", params={"geography": "E08000009"})
    made, _ = fetcher(tmp_path, Replay({ft.address: [ok(fingertips_api_csv())], nm.address: [ok(nomis_csv())]}))
    first = fetch.fetch_and_ingest(ft, made, catalog=evidence_tree)
    second = fetch.fetch_and_ingest(nm, made, catalog=Catalog.from_file(evidence_tree.path))
    assert first.indicators == ["children_in_care"] and first.rows == 24
    assert second.indicators == ["nm_162_1"] and second.undocumented == ["nm_162_1"]
    catalog = Catalog.from_file(evidence_tree.path)
    gm = evidence.load("fingertips_90803_102", catalog).set_index("period")
    assert gm.loc["2012", "value"] == 81.9                        # Greater Manchester, as published
    assert catalog["nm_162_1"].extra["source_url"] == nm.address


def test_a_bad_body_is_refused_as_ingest_refuses_it_and_not_kept(evidence_tree, tmp_path):
    page = b"<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>"
    made, _ = fetcher(tmp_path, Replay({ONS.address: [ok(page)]}))
    before = snapshot(evidence_tree.root)
    with pytest.raises(DataValidationError, match="claimant-count.csv, row 1: is an HTML or XML page"):
        fetch.fetch_and_ingest(ONS, made, catalog=evidence_tree)
    assert snapshot(evidence_tree.root) == before
    assert not (made.folder(ONS) / "claimant-count.csv").exists()


def test_the_command_line_fetches_each_source(evidence_tree, tmp_path, monkeypatch, capsys):
    ft = fetch.request_for("fingertips", indicator="90803", area_type="102")
    nm = fetch.request_for("nomis", dataset="NM_162_1", params={"geography": "E08000009"})
    replay = Replay({ONS.address: [ok(ONS_BODY)], ft.address: [ok(fingertips_api_csv())], nm.address: [ok(nomis_csv())]})
    monkeypatch.setattr(fetch, "urllib_transport", replay)
    common = ["--cache", str(tmp_path / "cache"), "--catalog", str(evidence_tree.path)]
    assert main(["fetch", "ons", "claimant-count", *common]) == 0
    assert main(["fetch", "fingertips", "--indicator", "90803", "--area-type", "102", "--as", "cic", *common]) == 0
    assert main(["fetch", "nomis", "--dataset", "NM_162_1", "--param", "geography=E08000009",
                 "--indicator", "claimant_rate", *common]) == 0
    out = capsys.readouterr().out
    assert "ingested ons_claimant_count (new dataset)" in out and "ingested cic (new dataset): 24 rows" in out
    assert "ingested nm_162_1 (new dataset)" in out and "indicators claimant_rate" in out
    assert replay.calls == [ONS.address, ft.address, nm.address]
