"""The publishers' own links on the IATI development set (``../shared/data/iati-dev``): found, shown, queued.

1. Import the 1,800 activities into a fresh migrated SQLite database (``flask import-iati``'s code) and
   count the links stored, by kind.
2. Every pair of ``linked_pairs.csv`` (a funder and its implementer, different publishers, linked by
   themselves) must be found as a link from both sides: the count is printed (111 of 111 expected).
3. Build the overlap index, scan every activity (as the nightly job does) and report, for the linked
   pairs, the tier the detector gives alone (links hidden from it) and the tier users see with the
   links, and how many pairs the links alone put in the review queue (the queue's extra load).

Skipped, with a message, where the shared data is not on the machine. Run: ``python -m bench iati_links``.
"""
from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path


def run() -> None:
    from bench import realdata

    try:
        folder = realdata.shared_data() / "iati-dev"
    except FileNotFoundError as exc:
        print(f"skipped: {exc}")
        return
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.dedup import Tier
    from app.extensions import db
    from app.overlaps import importing, publisher_links
    from app.overlaps.index import get_index
    from app.overlaps.jobs import scan_everything
    from app.overlaps.models import ActivityLink, ExternalActivity, OverlapFlag
    from config import DevelopmentConfig

    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-links-"))
    app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
                                         "SCHEDULER_ENABLED": False, "DEDUP_INDEX_DIR": str(tmp / "dedup"),
                                         "MAIL_BACKEND": "memory", "UPLOAD_DIR": str(tmp / "uploads")})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        report = importing.run_import([folder / "activities"], kind="iati", on_batch=db.session.commit)
        db.session.commit()
        print(f"import: {report.created} activities, {report.links} links, {time.perf_counter() - started:.1f} s")
        kinds = Counter(kind.value for kind in db.session.scalars(sa.select(ActivityLink.kind)))
        print("links by kind:", dict(kinds.most_common()))

        ids = dict(db.session.execute(sa.select(ExternalActivity.identifier, ExternalActivity.id)).all())
        pairs = realdata.linked_pairs()
        found, both_ways, linked = 0, 0, []
        for pair in pairs:
            a, b = (f"external_activity:{ids[pair[side]]}" for side in ("activity_a", "activity_b"))
            link = publisher_links.links_of(a).get(b)
            found += link is not None
            both_ways += link is not None and a in publisher_links.links_of(b)
            if link is not None:
                linked.append((a, b, link, pair["tier"]))
        print(f"linked pairs of linked_pairs.csv found as links: {found} of {len(pairs)} "
              f"(from both sides: {both_ways})")

        started = time.perf_counter()
        detector = get_index().rebuild(session=db.session)
        flagged = scan_everything(rebuild=False)
        db.session.commit()
        print(f"index and scan of every activity: {time.perf_counter() - started:.1f} s; pairs flagged: {flagged}")
        alone, shown = Counter(), Counter()
        for a, b, link, tier in linked:
            alone[tier[0], detector.compare(a, b).tier.value] += 1
            shown[tier[0], (Tier.LIKELY if link.is_same_work else Tier.POSSIBLE).value, link.kind] += 1
        print("tier of the linked pairs from the detector alone (csv tier, tier):", dict(sorted(alone.items())))
        print("tier shown with the links (csv tier, tier, link kind):", dict(sorted(shown.items())))
        flags = db.session.scalars(sa.select(OverlapFlag).where(OverlapFlag.a_kind == "external_activity",
                                                                OverlapFlag.b_kind == "external_activity")).all()
        print(f"pairs of two imported activities in the review queue (on the links alone): {len(flags)}, by tier "
              f"{dict(Counter(f.tier for f in flags))}, by link kind "
              f"{dict(Counter(f.reasons[0][1][0] for f in flags if f.reasons))}")
