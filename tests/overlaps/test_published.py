"""The overlap index published in an object store (app/overlaps/published.py): hosts share no folder.

The worker saves a generation in its own DEDUP_INDEX_DIR and uploads it; a web host fetches it into its
own DEDUP_INDEX_DIR in a background thread (joined here: no waiting on the clock) and loads it.
"""
from __future__ import annotations

import pytest

from app.extensions import db
from app.overlaps import services
from app.overlaps.index import OverlapIndex, ensure_state
from app.overlaps.jobs import publish_overlap_index

BUCKET = "hub-index"


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    moto = pytest.importorskip("moto")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with moto.mock_aws():
        import boto3

        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
        client.create_bucket(Bucket=BUCKET)
        app.config.update(S3_BUCKET=BUCKET, S3_REGION="us-east-1", S3_ACCESS_KEY_ID="t", S3_SECRET_ACCESS_KEY="t",
                          S3_INDEX_PREFIX="overlap-index/", DEDUP_INDEX_POLL_SECONDS=0)
        ensure_state()
        db.session.commit()
        yield client


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def host(app, folder, *, worker: bool) -> OverlapIndex:
    """The index of a process on a host whose own folder is ``folder``."""
    app.config.update(DEDUP_INDEX_DIR=str(folder), OVERLAP_INDEX_BUILDER=worker)
    index = app.extensions["overlaps_index"] = OverlapIndex(app)
    return index


def fetched(index: OverlapIndex):
    """Ask for the detector; when that started a download, wait for it and ask again."""
    detector = index.detector()
    if index._fetching is not None:
        index._fetching.join(timeout=60)
        detector = index.detector()
    return detector


def generations(client, token) -> set[str]:
    return {key.split("/")[2] for key in keys(client) if key.startswith(f"overlap-index/{token}/gen-")}


def test_a_web_host_loads_what_the_worker_published_without_building(app, world, store, tmp_path):
    token = ensure_state().db_token
    worker = host(app, tmp_path / "worker-host", worker=True)
    assert publish_overlap_index()["published"] == 1 and worker.rebuilds == 1
    name = (tmp_path / "worker-host" / token / "CURRENT").read_text().strip()
    assert f"overlap-index/{token}/CURRENT" in keys(store)
    assert f"overlap-index/{token}/{name}/manifest.json" in keys(store)

    web = host(app, tmp_path / "web-host", worker=False)
    detector = fetched(web)
    assert detector is not None and detector.base_name == name and web.rebuilds == 0
    assert world.pledge.initiative_id in detector
    assert (tmp_path / "web-host" / token / name / "manifest.json").is_file()


def test_before_the_first_generation_a_web_host_says_not_ready(app, world, store, tmp_path):
    web = host(app, tmp_path / "web-host", worker=False)
    assert fetched(web) is None and web.rebuilds == 0
    assert services.check_draft(services_draft(), world.people.outsider).status == "warming"


def services_draft():
    from app.overlaps.drafts import draft_from_form
    from tests.overlaps.conftest import COCOA_DRAFT

    return draft_from_form("pledge", COCOA_DRAFT, organisation_id=None, initiative_id=None)


def test_a_newer_generation_reaches_the_web_host_and_old_ones_are_removed(app, world, store, tmp_path):
    token = ensure_state().db_token
    worker = host(app, tmp_path / "worker-host", worker=True)
    names = [worker.rebuild().base_name for _ in range(3)]
    assert generations(store, token) == set(names[1:])  # the two newest are kept
    web = host(app, tmp_path / "web-host", worker=False)
    assert fetched(web).base_name == names[-1]
    app.config.update(DEDUP_INDEX_DIR=str(tmp_path / "worker-host"), OVERLAP_INDEX_BUILDER=True)
    newest = worker.rebuild().base_name
    assert fetched(web).base_name == newest and web.rebuilds == 0


def test_a_web_host_keeps_answering_when_the_store_is_unreachable(app, world, store, tmp_path, monkeypatch):
    worker = host(app, tmp_path / "worker-host", worker=True)
    worker.rebuild()
    web = host(app, tmp_path / "web-host", worker=False)
    loaded = fetched(web)

    def unreachable(*args, **kwargs):
        raise ConnectionError("store down")
    monkeypatch.setattr("app.overlaps.index.remote_current", unreachable)
    assert web.detector() is loaded


def test_a_second_workers_host_starts_from_the_published_generation(app, world, store, tmp_path):
    token = ensure_state().db_token
    host(app, tmp_path / "host-a", worker=True)
    assert publish_overlap_index()["published"] == 1
    other = host(app, tmp_path / "host-b", worker=True)
    assert publish_overlap_index() == {"published": 0, "behind": 0}  # fetched, not built again
    assert other.rebuilds == 0
    assert (tmp_path / "host-b" / token / "CURRENT").read_text() == (tmp_path / "host-a" / token / "CURRENT").read_text()
