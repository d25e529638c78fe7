"""The detector stays plain Python: no Flask, no SQLAlchemy, nothing from the app (checked on the source)."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "app" / "dedup"
FORBIDDEN = ("flask", "flask_", "sqlalchemy", "app", "werkzeug", "jinja2", "config")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, node.module or ""


def test_no_framework_or_app_imports():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) >= 5
    bad = [f"{p.relative_to(PACKAGE)}:{line} imports {name}" for p in sources for line, name in _imports(p)
           if name.split(".")[0] in FORBIDDEN or name.startswith("flask")]
    assert not bad, "\n".join(bad)


def test_the_guard_catches_a_forbidden_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import os\nfrom flask import current_app\nfrom app.models import Pledge\nfrom . import text\n")
    names = [name for _, name in _imports(sample)]
    assert names == ["os", "flask", "app.models"]
