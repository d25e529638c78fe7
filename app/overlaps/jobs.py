"""The nightly overlap job and whole-registry scans (called from app/jobs.py and the CLI; no commit here)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.overlaps import initiatives
from app.overlaps.index import db_token, ensure_state, get_index, published_position
from app.overlaps.models import InitiativeChange
from app.overlaps.published import fetch, local_current, publish, remote_current
from app.overlaps.services import clear_flags_of, notify_likely_duplicates, scan
from app.utils import utcnow

logger = logging.getLogger(__name__)

# Change-log rows older than this, and already folded into a saved index, are removed.
KEEP_CHANGES = timedelta(days=30)


def nightly(now: datetime | None = None) -> dict[str, int]:
    """Rebuild the index (workers reload it), look again at every initiative changed since the last run,
    and tell the owners of new likely duplicates (once per pair and person). Flushes; the caller commits.

    :return: counts for the log: initiatives indexed, initiatives rescanned, pairs above the line,
        people told.
    """
    now = now or utcnow()
    state = ensure_state()
    previous_run = state.scanned_at
    detector = get_index().rebuild(session=db.session)
    through = db.session.scalar(sa.select(sa.func.max(InitiativeChange.seq))) or 0
    changed = list(db.session.scalars(
        sa.select(InitiativeChange.initiative_id).where(InitiativeChange.seq > state.scanned_through,
                                                        InitiativeChange.seq <= through).distinct()))
    objects = initiatives.load(changed)
    flagged = 0
    for initiative_id in changed:
        obj = objects.get(initiative_id)
        if obj is None:
            clear_flags_of(initiative_id, now=now)
        else:
            flagged += len(scan(obj, now=now, detector=detector))
    state.scanned_through, state.scanned_at = through, now
    told = notify_likely_duplicates(since=previous_run, now=now)
    if db.engine.dialect.name == "sqlite":  # PostgreSQL's autovacuum keeps its statistics fresh
        db.session.execute(sa.text("PRAGMA optimize"))
    if get_index().root is not None:  # with a saved index, workers catch up from it, not from old rows
        saved_through = detector.applied_through or 0
        db.session.execute(sa.delete(InitiativeChange).where(InitiativeChange.seq <= min(saved_through, through),
                                                             InitiativeChange.created_at < now - KEEP_CHANGES))
    db.session.flush()
    result = {"indexed": len(detector), "rescanned": len(changed), "flagged": flagged, "told": told}
    logger.info("Nightly overlap scan: %s", result)
    return result


def scan_everything(now: datetime | None = None, *, rebuild: bool = True) -> int:
    """Look for overlaps of every initiative the index holds (first deployment, demo data); return how many
    pairs are above the line. Flushes; the caller commits.

    :param rebuild: build the index first from this session (which may hold data not committed yet).
    """
    now = now or utcnow()
    detector = get_index().rebuild(session=db.session) if rebuild else get_index().detector()
    state = ensure_state()
    flagged = set()
    for kind in initiatives.KINDS:
        model = initiatives.MODELS[kind]
        ids = list(db.session.scalars(sa.select(model.id).where(initiatives.compared_where(kind))))
        for start in range(0, len(ids), 500):
            objects = initiatives.load(f"{kind}:{pk}" for pk in ids[start:start + 500])
            for obj in objects.values():
                flagged.update(f.id for f in scan(obj, now=now, detector=detector))
    state.scanned_through = db.session.scalar(sa.select(sa.func.max(InitiativeChange.seq))) or 0
    state.scanned_at = now
    return len(flagged)


def publish_overlap_index(now: datetime | None = None) -> dict[str, int]:
    """Worker job, every minute: publish a new generation of the overlap index when the one every host
    loads is missing, unusable, or more than ``DEDUP_PUBLISH_AFTER_CHANGES`` changes behind (web hosts
    apply the changes since it at each query, so a short backlog costs them nothing). Nothing to do when
    the index is kept in memory (no ``DEDUP_INDEX_DIR``). Reads only; no commit.

    :return: counts for the log: whether a generation was published, initiatives in it, changes behind.
    """
    from flask import current_app

    index = get_index()
    if index.root is None:
        return {"published": 0}
    token = db_token(db.session) or "untracked"
    directory = index.root / token
    if index.store is not None:
        # another host's worker may have published the live generation: start from it, not from scratch
        remote = remote_current(index.store, token)
        if remote is not None and remote != local_current(directory):
            fetch(index.store, directory, token, remote)
    through, behind = published_position(index)
    if through is not None and behind < current_app.config["DEDUP_PUBLISH_AFTER_CHANGES"]:
        if index.store is not None and remote_current(index.store, token) != local_current(directory):
            publish(index.store, directory, token)  # saved here, but never uploaded (the store was down)
            return {"published": 1, "behind": behind}
        return {"published": 0, "behind": behind}
    fresh = index.rebuild()
    logger.info("Overlap index generation %s published (%d changes behind before)", fresh.base_name, behind)
    return {"published": 1, "initiatives": len(fresh), "behind": behind}
