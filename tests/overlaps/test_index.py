"""The index inside the app: built from the database, kept fresh through the change log across processes,
saved and shared, rebuilt when damaged or missing (never a server error), and `flask dedup-rebuild`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.commitments import services as pledges
from app.commitments.models import PledgeState
from app.dedup import Initiative
from app.extensions import db
from app.overlaps import services
from app.overlaps.index import GAP_WAIT, advance, ensure_state, get_index
from app.overlaps.models import InitiativeChange
from tests.overlaps.conftest import COCOA_DRAFT, COCOA_TEXT, COCOA_TITLE

DRAFT = Initiative(title=COCOA_DRAFT["title"], description=COCOA_DRAFT["description"], countries=("GHA", "CIV"))


def ids(detector, draft=DRAFT):
    return [m.id for m in detector.find_overlaps(draft, k=20, include_below=True)]


def test_the_index_holds_what_is_compared(app, world):
    detector = get_index().detector()
    assert world.pledge.initiative_id in detector
    assert world.item.initiative_id in detector
    assert world.activity.initiative_id in detector
    assert world.unrelated.initiative_id in detector
    assert world.private.initiative_id not in detector  # a draft is private work in progress


def test_a_rebuild_reads_imported_activities_as_their_objects_describe_themselves(app, world, make_activity):
    """A rebuild reads activities as rows of a few columns, not objects: the same Initiative either way."""
    from app.overlaps import initiatives

    make_activity("Cancelled before it began", status="5")  # not compared
    make_activity("Labour inspection training", countries=["GHA"])
    make_activity("Fair recruitment corridor", description="Ethical recruitment of migrant workers.",
                  countries=["NPL", "QAT"], areas=["forced_labour"], target_groups=["migrants"],
                  participating_orgs=[{"ref": "XM-TEST", "name": "Test Donor Agency", "role": "1"},
                                      {"ref": "", "name": "Nepal Migrant Network", "role": "4"},
                                      {"ref": "", "name": "Nepal Migrant Network", "role": "2"}],
                  language="fr", end_date=datetime(2027, 6, 30).date())
    read = [i for i in initiatives.iter_compared(db.session, batch=2) if i.kind == "external_activity"]
    objects = initiatives.load(i.id for i in read)
    assert len(read) == 3 and read == [objects[i.id].to_initiative() for i in read]  # world's one, and two here
    assert read[-1].partner_orgs == ("extname:nepal migrant network",) and read[-1].language == "fr"


def test_a_change_is_seen_by_the_next_query_through_the_change_log(app, world):
    detector = get_index().detector()
    assert world.pledge.initiative_id in ids(detector)
    # Another process withdraws the pledge: its service writes the change log in the same transaction.
    pledges.withdraw_pledge(world.people.cocoa, world.pledge, "Funding ended.")
    db.session.commit()
    assert world.pledge.initiative_id not in ids(get_index().detector())
    changes = db.session.scalars(sa.select(InitiativeChange).where(
        InitiativeChange.initiative_id == world.pledge.initiative_id)).all()
    assert changes and changes[-1].op.value == "upsert"


@pytest.mark.commits  # another connection must not see what this one has not committed
def test_an_uncommitted_change_is_not_seen_by_other_queries(app, world):
    get_index().detector()
    world.pledge.state = PledgeState.withdrawn
    services.record_change(world.pledge.initiative_id)
    db.session.flush()  # written, not committed
    assert world.pledge.initiative_id in ids(get_index().detector())
    db.session.rollback()
    assert world.pledge.initiative_id in ids(get_index().detector())


@pytest.fixture
def saved(app, tmp_path):
    """The app saves its index under tmp_path (as DEDUP_INDEX_DIR does in production)."""
    app.config["DEDUP_INDEX_DIR"] = str(tmp_path)
    app.extensions.pop("overlaps_index", None)
    ensure_state()
    db.session.commit()
    return tmp_path


def new_worker(app):
    """A web worker starting now: its own index, loaded from the saved files (as gunicorn's would be)."""
    from app.overlaps.index import OverlapIndex

    app.extensions["overlaps_index"] = OverlapIndex(app)
    return app.extensions["overlaps_index"]


def test_two_processes_share_the_saved_index_and_each_others_changes(app, world, saved):
    from app.overlaps.index import OverlapIndex

    built = get_index().rebuild()
    assert (saved / ensure_state().db_token / "CURRENT").is_file()
    second = OverlapIndex(app)  # a second worker: loads what the first saved, builds nothing
    assert len(second.detector()) == len(built) and second.rebuilds == 0
    # The first worker's change is visible to the second's next query, without a rebuild.
    pledges.complete_pledge(world.people.cocoa, world.pledge)
    world.unrelated.title = "Child labour monitoring and remediation for cocoa farmers, again"
    world.unrelated.description = COCOA_TEXT
    services.initiative_saved(world.unrelated)
    db.session.commit()
    assert world.unrelated.initiative_id in ids(second.detector())
    assert second.rebuilds == 0
    # A newer generation saved by a rebuild elsewhere is loaded at the next query.
    get_index().rebuild()
    assert second.detector().base_name == get_index().detector().base_name


def _damage(directory: Path, how: str) -> None:
    generation = directory / (directory / "CURRENT").read_text().strip()
    if how == "truncated array":
        array = next(generation.rglob("*.npy"))
        array.write_bytes(array.read_bytes()[:50])
    elif how == "garbled manifest":
        (generation / "manifest.json").write_text("{not json")
    elif how == "garbled pointer":
        (directory / "CURRENT").write_text("../../etc\n")
    elif how == "deleted generation":
        for path in sorted(generation.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        generation.rmdir()
    elif how == "missing directory":
        for path in sorted(directory.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        directory.rmdir()


@pytest.mark.parametrize("how", ["truncated array", "garbled manifest", "garbled pointer", "deleted generation",
                                 "missing directory"])
def test_a_damaged_or_missing_index_waits_for_the_worker_never_a_500(app, client, login, world, saved, how):
    """A web process never builds: it says "not ready yet" until the worker publishes a new generation."""
    from app.overlaps.jobs import publish_overlap_index

    get_index().rebuild()
    _damage(saved / ensure_state().db_token, how)
    web = new_worker(app)  # a web worker starting on the damaged files
    login(world.people.outsider)
    response = client.post("/overlaps/check?kind=pledge", data=COCOA_DRAFT)
    assert response.status_code == 200 and response.get_json()["status"] == "warming"
    assert client.get(f"/pledges/{world.pledge.id}").status_code == 200
    assert web.rebuilds == 0
    worker = _worker_process(app)
    assert publish_overlap_index()["published"] == 1 and worker.rebuilds == 1  # the worker repairs it
    web = new_worker(app)
    response = client.post("/overlaps/check?kind=pledge", data=COCOA_DRAFT)
    assert world.pledge.initiative_id in [m["id"] for m in response.get_json()["matches"]]
    assert web.rebuilds == 0  # the web worker loaded what the worker published


def _worker_process(app):
    """The worker process's index: it builds (``flask run-worker`` sets OVERLAP_INDEX_BUILDER)."""
    app.config["OVERLAP_INDEX_BUILDER"] = True
    return new_worker(app)


@pytest.mark.commits  # a rebuild in another thread
def test_a_large_registry_is_rebuilt_in_the_background_meanwhile_the_panel_says_so(app, world, saved):
    app.config["DEDUP_SYNC_REBUILD_LIMIT"] = 1
    index = _worker_process(app)
    assert index.detector() is None  # the rebuild runs in a thread
    assert services.check_draft(DRAFT, world.people.outsider).status == "warming"
    index._background.join(timeout=120)
    assert index.detector() is not None and world.pledge.initiative_id in ids(index.detector())


def test_an_index_saved_for_another_database_is_not_used(app, world, saved):
    get_index().rebuild()
    state = ensure_state()
    state.db_token = "another-database"
    db.session.commit()
    assert new_worker(app).detector() is None  # a web worker waits for the worker
    worker = _worker_process(app)
    assert worker.detector() is not None
    assert worker.rebuilds == 1
    assert (saved / "another-database" / "CURRENT").is_file()


def test_dedup_rebuild_builds_saves_and_scans(app, world, saved):
    result = app.test_cli_runner().invoke(args=["dedup-rebuild", "--scan"])
    assert result.exit_code == 0, result.output
    assert "Indexing initiatives" in result.output
    assert "Overlap index: 4 initiatives, saved under" in result.output
    assert "Overlapping pairs above the line: 3" in result.output
    assert (saved / ensure_state().db_token / "CURRENT").is_file()


def test_dedup_rebuild_in_memory(app, world):
    result = app.test_cli_runner().invoke(args=["dedup-rebuild"])
    assert result.exit_code == 0, result.output
    assert "kept in memory" in result.output


T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("position, rows, now, expected", [
    (0, [], T0, 0),
    (0, [(1, T0), (2, T0), (3, T0)], T0, 3),
    (3, [(5, T0)], T0, 3),                              # 4 is not visible yet: wait for it
    (3, [(5, T0 - GAP_WAIT * 2)], T0, 5),               # 4 never came: a rolled-back transaction
    (3, [(5, T0), (4, T0)], T0, 5),                     # 4 committed after 5: both seen, in order
    (3, [(4, T0), (6, T0), (7, T0)], T0, 4),
    (10, [(9, T0), (11, T0)], T0, 11),                  # already applied rows are passed over
])
def test_the_change_log_position_waits_for_gaps(position, rows, now, expected):
    assert advance(position, rows, now) == expected


def test_rows_beyond_a_gap_are_applied_once_and_the_gap_is_filled_later(app, world):
    detector = get_index().detector()
    base = detector.applied_through or 0
    seq = db.session.scalar(sa.select(sa.func.max(InitiativeChange.seq))) or 0
    # A row with a number after a gap (as PostgreSQL does when transactions commit out of order).
    world.unrelated.title = COCOA_TITLE + " (copy)"
    world.unrelated.description = COCOA_TEXT
    db.session.add(InitiativeChange(seq=seq + 5, initiative_id=world.unrelated.initiative_id,
                                    created_at=datetime.now(timezone.utc)))
    db.session.commit()
    detector = get_index().detector()
    assert world.unrelated.initiative_id in ids(detector)       # applied at once
    assert detector.applied_through == max(base, seq)           # but the position waits at the gap
    generation = detector.generation
    get_index().detector()
    assert get_index().detector().generation == generation      # and it is not applied again
    db.session.add(InitiativeChange(seq=seq + 1, initiative_id=world.item.initiative_id,
                                    created_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()
    assert get_index().detector().applied_through == seq + 1


@pytest.mark.commits  # a rebuild in another thread while this one queries
def test_a_long_backlog_is_rebuilt_in_the_background_while_queries_go_on(app, world, monkeypatch, make_activity):
    from app.overlaps import index as index_module

    index = get_index()
    index.detector()
    monkeypatch.setattr(index_module, "CATCH_UP_BATCH", 3)
    made = [make_activity(f"Backlog activity {n}: child labour monitoring in cocoa farms of {n} districts",
                          description=COCOA_TEXT, countries=["GHA"]) for n in range(7)]
    for activity in made:
        services.record_change(activity.initiative_id)
    db.session.commit()
    detector = index.detector()  # answers at once with the first slice, and starts a rebuild
    assert made[0].initiative_id in detector and made[-1].initiative_id not in detector
    index._background.join(timeout=120)
    assert all(a.initiative_id in index.detector() for a in made)
    # The rebuild replays the changes of the last GAP_WAIT; with a batch of 3 that backlog starts one more
    # rebuild, which must end before the test does (it holds a database connection).
    index._background.join(timeout=120)


def test_the_worker_publishes_a_generation_only_when_needed(app, world, saved):
    from app.overlaps.jobs import publish_overlap_index

    app.config["DEDUP_PUBLISH_AFTER_CHANGES"] = 2
    assert publish_overlap_index()["published"] == 1          # none yet: the first generation
    first = (saved / ensure_state().db_token / "CURRENT").read_text()
    assert publish_overlap_index() == {"published": 0, "behind": 0}
    world.unrelated.title = "Child labour monitoring for cocoa farmers"
    services.initiative_saved(world.unrelated)
    db.session.commit()
    assert publish_overlap_index()["published"] == 0          # one change: hosts apply it at each query
    assert (saved / ensure_state().db_token / "CURRENT").read_text() == first
    world.unrelated.title = "Child labour monitoring for cocoa farmers, again"
    services.initiative_saved(world.unrelated)
    db.session.commit()
    result = publish_overlap_index()
    assert result["published"] == 1 and result["behind"] >= 2
    assert (saved / ensure_state().db_token / "CURRENT").read_text() != first


def test_the_job_does_nothing_when_the_index_is_kept_in_memory(app, world):
    from app.overlaps.jobs import publish_overlap_index

    assert publish_overlap_index() == {"published": 0}


def test_a_web_worker_never_builds_even_behind_a_long_backlog(app, world, saved, monkeypatch):
    from app.overlaps import index as index_module

    get_index().rebuild()
    monkeypatch.setattr(index_module, "CATCH_UP_BATCH", 1)
    web = new_worker(app)
    assert web.detector() is not None
    for n in range(3):
        world.unrelated.title = f"Cocoa farmers' child labour monitoring {n}"
        services.initiative_saved(world.unrelated)
        db.session.commit()
    web.detector()
    assert web.rebuilds == 0 and web._background is None
