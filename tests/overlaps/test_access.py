"""Every overlap route walked as each kind of person: the status code each must get."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.overlaps import services
from app.overlaps.jobs import scan_everything
from tests.overlaps.conftest import COCOA_DRAFT, NOW

ROLES = ["anonymous", "outsider", "cocoa", "member", "convener", "admin"]
LOGIN = "login"


@pytest.fixture
def setup(world):
    """Flags, a decision to undo, and a link someone made, on top of the world."""
    scan_everything(now=NOW)
    flags = {frozenset(f.ids): f for f in services.flags_of(world.item.initiative_id) +
             services.flags_of(world.pledge.initiative_id)}
    group_flag = flags[frozenset({world.pledge.initiative_id, world.item.initiative_id})]
    other_flag = flags[frozenset({world.pledge.initiative_id, world.activity.initiative_id})]
    decision = services.decide(world.people.admin, group_flag, "distinct", now=NOW)
    link = services.link_related(world.people.cocoa, world.pledge, [world.activity.initiative_id], now=NOW)[0]
    db.session.commit()
    return {"w": world, "group_flag": group_flag, "other_flag": other_flag, "decision": decision, "link": link}


# name: (method, url, form, expected per role in ROLES order)
MATRIX = {
    "check": ("POST", "/overlaps/check?kind=pledge", COCOA_DRAFT, (LOGIN, 200, 200, 200, 200, 200)),
    "contact": ("GET", "/overlaps/contact/{w.pledge.initiative_id}", None, (LOGIN, 200, 200, 200, 200, 200)),
    "contact:post": ("POST", "/overlaps/contact/{w.pledge.initiative_id}", {"message": "Shall we talk?"},
                     (LOGIN, 302, 302, 302, 302, 302)),
    "contact:hidden": ("GET", "/overlaps/contact/{w.item.initiative_id}", None, (LOGIN, 404, 404, 200, 200, 200)),
    "initiative": ("GET", "/overlaps/initiatives/{w.pledge.initiative_id}", None, (302, 302, 302, 302, 302, 302)),
    "initiative:hidden": ("GET", "/overlaps/initiatives/{w.item.initiative_id}", None,
                          (404, 404, 404, 302, 302, 302)),
    "review_queue": ("GET", "/overlaps/review", None, (LOGIN, 403, 403, 403, 200, 200)),
    "pair": ("GET", "/overlaps/review/{group_flag.id}", None, (LOGIN, 403, 403, 403, 200, 200)),
    "pair:other": ("GET", "/overlaps/review/{other_flag.id}", None, (LOGIN, 403, 403, 403, 403, 200)),
    "pair:missing": ("GET", "/overlaps/review/999999", None, (LOGIN, 403, 403, 403, 404, 404)),
    "decide": ("POST", "/overlaps/review/{group_flag.id}/decide", {"decision": "related"},
               (LOGIN, 403, 403, 403, 302, 302)),
    "decide:other": ("POST", "/overlaps/review/{other_flag.id}/decide", {"decision": "distinct"},
                     (LOGIN, 403, 403, 403, 403, 302)),
    "revert": ("POST", "/overlaps/review/{group_flag.id}/decisions/{decision.id}/revert", {},
               (LOGIN, 403, 403, 403, 302, 302)),
    "remove_link": ("POST", "/overlaps/links/{link.id}/remove", {"next": "/pledges/{w.pledge.id}"},
                    (LOGIN, 403, 302, 403, 403, 302)),
    "gap_view": ("GET", "/overlaps/gaps?region=002&kind=pledge", None, (200, 200, 200, 200, 200, 200)),
    "gap_export": ("GET", "/overlaps/gaps.csv", None, (200, 200, 200, 200, 200, 200)),
    "gap_cell": ("GET", "/overlaps/gaps/cell?country=GHA&area=child_labour", None, (200, 200, 200, 200, 200, 200)),
    "activities": ("GET", "/activities/?q=cocoa&country=GHA", None, (200, 200, 200, 200, 200, 200)),
    "activity": ("GET", "/activities/{w.activity.id}", None, (200, 200, 200, 200, 200, 200)),
    "activity:missing": ("GET", "/activities/999999", None, (404, 404, 404, 404, 404, 404)),
}


def test_the_matrix_covers_every_overlap_route(app):
    ours = {name for name, view in app.view_functions.items() if name.startswith("overlaps.")}
    assert ours == {f"overlaps.{name.split(':')[0]}" for name in MATRIX}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(MATRIX))
def test_access(signed_in, setup, role, name):
    method, url, form, expectations = MATRIX[name]
    expected = expectations[ROLES.index(role)]
    url = url.format(**setup)
    form = {k: v.format(**setup) if isinstance(v, str) else v for k, v in (form or {}).items()}
    client = signed_in(role)
    response = client.get(url) if method == "GET" else client.post(url, data=form)
    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"], response.status_code
    else:
        assert response.status_code == expected, f"{role} {method} {url}: {response.get_data(as_text=True)[:300]}"
        if expected == 302:
            assert "/login" not in response.headers["Location"]
