"""The registry's CSV and JSON exports stream: the header leaves before any pledge is read, the pledges a
chunk at a time, and the whole file is the same as when read at once."""
from __future__ import annotations

import csv
import io
import json

from app.commitments import registry, registry_routes


def test_csv_streams_its_header_first_then_chunks(client, make_org, make_pledge, count_queries, monkeypatch):
    monkeypatch.setattr(registry, "EXPORT_CHUNK", 2)
    monkeypatch.setattr(registry_routes, "STREAM_ROWS", 2)
    org = make_org()
    ids = [make_pledge(org, title=f"Pledge {n}").id for n in range(5)]
    response = client.get("/pledges/export.csv", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    chunks = iter(response.response)
    count_queries.clear()
    first = next(chunks)
    first = first.decode() if isinstance(first, bytes) else first
    assert first.startswith("\ufeffID,Title,") and first.count("\n") == 1   # the header alone
    assert not any("FROM pledge" in q for q in count_queries)                  # no pledge read yet
    rest = "".join(c.decode() if isinstance(c, bytes) else c for c in chunks)
    response.close()
    rows = list(csv.DictReader(io.StringIO((first + rest).lstrip("\ufeff"))))
    assert sorted(int(r["ID"]) for r in rows) == sorted(ids)
    assert sum("FROM pledge" in q for q in count_queries) >= 3                 # 5 pledges, 2 per chunk


def test_json_streams_a_valid_list(client, make_org, make_pledge, monkeypatch):
    monkeypatch.setattr(registry, "EXPORT_CHUNK", 2)
    monkeypatch.setattr(registry_routes, "STREAM_ROWS", 2)
    assert client.get("/pledges/export.json").get_json() == []
    org = make_org()
    ids = {make_pledge(org).id for _ in range(5)}
    response = client.get("/pledges/export.json")
    assert response.is_streamed and response.mimetype == "application/json"
    assert {record["id"] for record in json.loads(response.get_data(as_text=True))} == ids
