"""Every route of the foundation, walked as each kind of person: the status code each must get."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.members.models import OrganisationStatus, OrgRole, UserStatus

ROLES = ["anonymous", "pending", "member", "focal", "admin"]
LOGIN = 302  # anonymous visitors are sent to the sign-in page


@pytest.fixture
def world(make_org, make_user):
    home = make_org("Home Organisation")
    other = make_org("Other Organisation")
    waiting = make_org("Waiting Organisation", status=OrganisationStatus.pending)
    people = SimpleNamespace(
        pending=make_user("pending@example.org", org=home, status=UserStatus.pending),
        member=make_user("member@example.org", org=home, role=OrgRole.member),
        focal=make_user("focal@example.org", org=home),
        admin=make_user("admin@example.org", org=other, admin=True),
        applicant=make_user("applicant@example.org", org=waiting, status=UserStatus.pending),
        other_focal=make_user("otherfocal@example.org", org=other),
        invited=make_user("invited@example.org", org=other, status=UserStatus.invited, password=None),
    )
    return SimpleNamespace(home=home, other=other, waiting=waiting, **vars(people))


def _codes(anonymous, pending, member, focal, admin):
    return dict(zip(ROLES, (anonymous, pending, member, focal, admin)))


# (method, url template, expected codes by role). Templates use the `world` fixture's objects.
MATRIX = [
    ("GET", "/", _codes(200, 200, 200, 200, 200)),
    ("GET", "/healthz", _codes(200, 200, 200, 200, 200)),
    ("GET", "/organisations", _codes(200, 200, 200, 200, 200)),
    ("GET", "/organisations/{w.home.id}", _codes(200, 200, 200, 200, 200)),
    ("GET", "/organisations/{w.waiting.id}", _codes(404, 404, 404, 404, 200)),
    ("GET", "/organisations/999999", _codes(404, 404, 404, 404, 404)),
    ("GET", "/organisations/{w.home.id}/edit", _codes(LOGIN, 403, 403, 200, 200)),
    ("GET", "/organisations/{w.other.id}/edit", _codes(LOGIN, 403, 403, 403, 200)),
    ("GET", "/organisations/{w.home.id}/members", _codes(LOGIN, 403, 200, 200, 200)),
    ("GET", "/organisations/{w.other.id}/members", _codes(LOGIN, 403, 403, 403, 200)),
    ("GET", "/apply", _codes(200, 302, 302, 302, 302)),
    ("GET", "/apply/organisation", _codes(200, 302, 302, 302, 302)),
    ("GET", "/apply/join", _codes(200, 302, 302, 302, 302)),
    ("GET", "/login", _codes(200, 302, 302, 302, 302)),
    ("POST", "/logout", _codes(302, 302, 302, 302, 302)),
    ("GET", "/password/forgot", _codes(200, 200, 200, 200, 200)),
    ("GET", "/password/reset/not-a-token", _codes(400, 400, 400, 400, 400)),
    ("GET", "/invitation/not-a-token", _codes(400, 400, 400, 400, 400)),
    ("GET", "/password/change", _codes(LOGIN, 200, 200, 200, 200)),
    ("GET", "/account", _codes(LOGIN, 200, 200, 200, 200)),
    ("POST", "/account/guide/dismiss", _codes(LOGIN, 302, 302, 302, 302)),
    ("GET", "/profile", _codes(LOGIN, 200, 200, 200, 200)),
    ("GET", "/admin/", _codes(LOGIN, 403, 403, 403, 200)),
    ("GET", "/admin/users", _codes(LOGIN, 403, 403, 403, 200)),
    ("GET", "/admin/organisations", _codes(LOGIN, 403, 403, 403, 200)),
    ("GET", "/admin/invite", _codes(LOGIN, 403, 403, 403, 200)),
    ("GET", "/admin/audit", _codes(LOGIN, 403, 403, 403, 200)),
    ("GET", "/admin/outbox", _codes(LOGIN, 403, 403, 403, 200)),
    ("GET", "/admin/outbox/20260101T000000-deadbeef.eml", _codes(LOGIN, 403, 403, 403, 404)),
    ("POST", "/admin/organisations/{w.waiting.id}/approve", _codes(LOGIN, 403, 403, 403, 302)),
    ("POST", "/admin/organisations/{w.waiting.id}/decline", _codes(LOGIN, 403, 403, 403, 302)),
    ("POST", "/admin/organisations/{w.other.id}/suspend", _codes(LOGIN, 403, 403, 403, 302)),
    ("POST", "/admin/organisations/{w.other.id}/reactivate", _codes(LOGIN, 403, 403, 403, 302)),
    ("POST", "/admin/users/{w.applicant.id}/approve", _codes(LOGIN, 403, 403, 403, 302)),
    ("POST", "/admin/users/{w.applicant.id}/decline", _codes(LOGIN, 403, 403, 403, 302)),
    ("POST", "/admin/users/{w.other_focal.id}/suspend", _codes(LOGIN, 403, 403, 403, 302)),
    ("POST", "/admin/users/{w.other_focal.id}/reactivate", _codes(LOGIN, 403, 403, 403, 302)),
    ("POST", "/admin/users/999999/approve", _codes(LOGIN, 403, 403, 403, 404)),
    ("POST", "/admin/users/{w.invited.id}/resend-invitation", _codes(LOGIN, 403, 403, 403, 302)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, expected", MATRIX, ids=[f"{m} {t}" for m, t, _ in MATRIX])
def test_route_access(client, login, world, role, method, template, expected):
    if role != "anonymous":
        assert login(getattr(world, role)).status_code == 302
    url = template.format(w=world)
    response = client.open(url, method=method, data={"reason": "Checked by the access test."})
    assert response.status_code == expected[role], f"{role} {method} {url}"
    if expected[role] == LOGIN and role == "anonymous" and method == "GET" and url not in ("/apply", "/login"):
        assert "/login?next=" in response.headers["Location"]


def test_every_route_is_in_the_matrix(app):
    """A new route of these blueprints must be added to the matrix above."""
    covered = {template.split("{")[0].rstrip("/").split("/")[1] for _m, template, _e in MATRIX if template != "/"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in {"members", "admin", "pages"}:
            first = rule.rule.strip("/").split("/")[0]
            assert first in covered or rule.rule == "/" or first == "language", rule.rule


@pytest.mark.parametrize("url", ["/", "/organisations", "/organisations?q=demo&type=government",
                                 "/admin/", "/admin/users", "/admin/organisations", "/admin/audit",
                                 "/account", "/profile", "/organisations/{org}/members"])
def test_pages_run_a_bounded_number_of_queries(app, client, count_queries, url):
    """DESIGN.md: at most 15 SQL queries a page, however much data there is (demo data loaded)."""
    import sqlalchemy as sa

    from app.demo_data import DEMO_PASSWORD
    from app.extensions import db
    from app.members.models import User

    app.test_cli_runner().invoke(args=["seed-demo"])
    client.post("/login", data={"email": "admin@hub.example.org", "password": DEMO_PASSWORD})
    org_id = db.session.scalar(sa.select(User.organisation_id).where(User.email == "admin@hub.example.org"))
    count_queries.clear()
    response = client.get(url.format(org=org_id))
    assert response.status_code == 200
    assert len(count_queries) <= 15, "\n".join(count_queries)
