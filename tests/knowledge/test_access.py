"""Every route of the knowledge gateway, walked as each kind of person: the status code each must get."""
from __future__ import annotations

import pytest

from tests.knowledge.conftest import ROLES

LOGIN = 302


def _codes(anonymous, outsider, submitter, colleague, curator, admin):
    return dict(zip(ROLES, (anonymous, outsider, submitter, colleague, curator, admin)))


ALL = _codes(200, 200, 200, 200, 200, 200)
ADMIN_ONLY = _codes(LOGIN, 403, 403, 403, 403, 200)
# (method, url template, expected codes by role); templates use the `world` fixture (w).
MATRIX = [
    ("GET", "/library/", ALL),
    ("GET", "/library/?q=cocoa&type=research&area=child_labour&country=GHA&language=en&year=2024&sort=relevance", ALL),
    ("GET", "/library/{w.published.id}", ALL),
    ("GET", "/library/{w.pending.id}", _codes(404, 404, 200, 200, 200, 200)),
    ("GET", "/library/999999", _codes(404, 404, 404, 404, 404, 404)),
    ("GET", "/library/{w.published.id}/file", _codes(404, 404, 404, 404, 404, 404)),  # a link, no file
    ("GET", "/library/new", _codes(LOGIN, 200, 200, 200, 200, 200)),
    ("GET", "/library/{w.pending.id}/edit", _codes(LOGIN, 404, 200, 200, 200, 200)),
    ("GET", "/library/{w.published.id}/edit", _codes(LOGIN, 403, 403, 403, 200, 200)),
    ("GET", "/library/mine", _codes(LOGIN, 200, 200, 200, 200, 200)),
    ("GET", "/library/review", _codes(LOGIN, 403, 403, 403, 200, 200)),
    ("POST", "/library/{w.pending.id}/publish", _codes(LOGIN, 404, 403, 403, 302, 302)),
    ("POST", "/library/{w.pending.id}/return", _codes(LOGIN, 404, 403, 403, 302, 302)),
    ("POST", "/library/{w.published.id}/archive", _codes(LOGIN, 403, 403, 403, 302, 302)),
    ("POST", "/library/{w.published.id}/cite", _codes(LOGIN, 302, 302, 302, 302, 302)),
    ("POST", "/library/{w.published.id}/citations/999999/remove", _codes(LOGIN, 404, 404, 404, 404, 404)),
    ("GET", "/library/curators", ADMIN_ONLY),
    ("POST", "/library/curators", _codes(LOGIN, 403, 403, 403, 403, 200)),
    ("POST", "/library/curators/{w.people.curator.id}/remove", _codes(LOGIN, 403, 403, 403, 403, 302)),
    ("GET", "/search?q=cocoa", ALL),
    ("GET", "/search?q=cocoa&kind=resource&page=2", ALL),
    ("GET", "/countries/", ALL),
    ("GET", "/countries/?code=GHA", _codes(302, 302, 302, 302, 302, 302)),
    ("GET", "/countries/GHA", ALL),
    ("GET", "/countries/gha", _codes(301, 301, 301, 301, 301, 301)),
    ("GET", "/countries/XYZ", _codes(404, 404, 404, 404, 404, 404)),
    ("GET", "/countries/GHA/pathfinder", ADMIN_ONLY),
    ("POST", "/countries/GHA/pathfinder", _codes(LOGIN, 403, 403, 403, 403, 302)),
    ("GET", "/dashboard", ALL),
    ("GET", "/dashboard?year=2026&region=002&area=forced_labour", ALL),
    ("GET", "/dashboard/status.csv", ALL),
    ("GET", "/dashboard/pipeline.csv", _codes(404, 404, 404, 404, 404, 200)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, expected", MATRIX, ids=[f"{m} {t}" for m, t, _ in MATRIX])
def test_route_access(as_role, world, role, method, template, expected):
    client = as_role(role)
    url = template.format(w=world)
    response = client.open(url, method=method, data={"reason": "Checked by the access test.",
                                                     "target": f"group:{world.group.id}"})
    assert response.status_code == expected[role], f"{role} {method} {url}"
    if expected[role] == LOGIN and role == "anonymous" and "code=" not in url:
        assert "/login?next=" in response.headers["Location"]


def test_every_route_is_in_the_matrix(app):
    """A new route of the knowledge blueprint must be added to the matrix above."""
    import re

    paths = [template.split("?")[0] for _m, template, _e in MATRIX]
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("knowledge."):
            pattern = re.compile(re.sub(r"\\<[^>]+\\>|<[^>]+>", "[^/]+", re.escape(rule.rule)) + "$")
            assert any(pattern.match(path) for path in paths), rule.rule
