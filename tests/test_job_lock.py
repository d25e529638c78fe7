"""Scheduled jobs on more than one worker: a PostgreSQL advisory lock per job (app/scheduler.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.scheduler import job_lock, lock_key, run_job


@pytest.fixture
def engine(database_url):
    """A second engine on the test database: another worker's connections."""
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


def _needs_postgresql(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks need PostgreSQL (TEST_DATABASE_URL)")


def test_lock_keys_are_stable_and_distinct():
    assert lock_key("scan_overlaps") == lock_key("scan_overlaps")
    assert lock_key("scan_overlaps") != lock_key("send_meeting_reminders")
    assert -2**63 <= lock_key("scan_overlaps") < 2**63


def test_on_sqlite_the_lock_is_always_granted():
    engine = sa.create_engine("sqlite://")
    with job_lock("a_job", engine) as first, job_lock("a_job", engine) as second:
        assert first and second


def test_two_workers_never_hold_one_job_at_once(engine):
    _needs_postgresql(engine)
    with job_lock("a_job", engine) as first:
        assert first
        with job_lock("a_job", engine) as second:
            assert not second                      # the other worker skips its turn
        with job_lock("another_job", engine) as other:
            assert other                           # other jobs run meanwhile
    with job_lock("a_job", engine) as again:
        assert again                               # released at the end of the block


def test_a_dead_worker_frees_its_jobs(engine, database_url):
    _needs_postgresql(engine)
    import psycopg

    dead = psycopg.connect(sa.engine.make_url(database_url).set(drivername="postgresql")
                           .render_as_string(hide_password=False), autocommit=True)
    assert dead.execute("SELECT pg_try_advisory_lock(%s)", (lock_key("a_job"),)).fetchone()[0]
    with job_lock("a_job", engine) as held:
        assert not held
    # The worker is killed (or its host lost): its connection ends. pg_terminate_backend with a timeout
    # returns once that backend has exited, so the lock is free by then (no waiting on the clock).
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": dead.info.backend_pid})
    dead.close()
    with job_lock("a_job", engine) as held:
        assert held                                # the other worker takes over at its next turn


def test_a_job_the_other_worker_runs_is_skipped(app, engine):
    _needs_postgresql(engine)
    ran = []
    with job_lock("counting", engine):
        assert run_job(app, lambda: ran.append(1) or 1, name="counting") is None
    assert ran == []
    assert run_job(app, lambda: ran.append(1) or 1, name="counting") == 1
    assert ran == [1]


def test_a_failing_job_releases_its_lock(app, engine):
    _needs_postgresql(engine)

    def broken():
        raise RuntimeError("boom")
    assert run_job(app, broken, name="broken") is None
    with job_lock("broken", engine) as held:
        assert held


def test_the_worker_builds_the_overlap_index_and_publishes_it_at_start(app):
    from app.scheduler import build_scheduler

    app.config["OVERLAP_INDEX_BUILDER"] = False
    scheduler = build_scheduler(app)
    assert app.config["OVERLAP_INDEX_BUILDER"] is True  # the web processes never build it
    publish = scheduler.get_job("publish_overlap_index")
    scan = scheduler.get_job("scan_overlaps")
    # added before the scheduler starts, a job's first run is only computed then: AT_START sets it now
    assert getattr(publish, "next_run_time", None) is not None
    assert getattr(scan, "next_run_time", None) is None
