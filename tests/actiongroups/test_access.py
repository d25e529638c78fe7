"""Every route of the action-group core, walked as each kind of person."""
from __future__ import annotations

import pytest

from tests.actiongroups.conftest import ROLES

LOGIN = 302


def _codes(*codes):
    return dict(zip(ROLES, codes))


G = "/actiongroups/supply-chains"
#          anonymous outsider requester observer member convener admin
MATRIX = [
    ("GET", "/actiongroups/", _codes(200, 200, 200, 200, 200, 200, 200)),
    ("GET", G, _codes(200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/actiongroups/no-such-group", _codes(404, 404, 404, 404, 404, 404, 404)),
    ("GET", f"{G}/workspace", _codes(LOGIN, 403, 403, 200, 200, 200, 200)),
    ("GET", f"{G}/members", _codes(LOGIN, 403, 403, 200, 200, 200, 200)),
    ("GET", f"{G}/join", _codes(LOGIN, 200, 200, 302, 302, 302, 200)),
    ("POST", f"{G}/join", _codes(LOGIN, 302, 200, 302, 302, 302, 302)),
    ("POST", f"{G}/leave", _codes(LOGIN, 403, 403, 302, 302, 302, 403)),
    ("POST", f"{G}/invitation", _codes(LOGIN, 404, 404, 404, 404, 404, 404)),
    ("POST", f"{G}/requests/{{request_id}}/accept", _codes(LOGIN, 403, 403, 403, 403, 302, 302)),
    ("POST", f"{G}/requests/{{request_id}}/decline", _codes(LOGIN, 403, 403, 403, 403, 302, 302)),
    ("POST", f"{G}/requests/999999/accept", _codes(LOGIN, 403, 403, 403, 403, 404, 404)),
    ("POST", f"{G}/invite", _codes(LOGIN, 403, 403, 403, 403, 302, 302)),
    ("POST", f"{G}/members/{{member_membership_id}}/role", _codes(LOGIN, 403, 403, 403, 403, 302, 302)),
    ("GET", "/actiongroups/new", _codes(LOGIN, 403, 403, 403, 403, 403, 200)),
    ("GET", f"{G}/edit", _codes(LOGIN, 403, 403, 403, 403, 403, 200)),
    ("POST", f"{G}/archive", _codes(LOGIN, 403, 403, 403, 403, 403, 302)),
    ("POST", f"{G}/unarchive", _codes(LOGIN, 403, 403, 403, 403, 403, 302)),
    ("POST", f"{G}/conveners", _codes(LOGIN, 403, 403, 403, 403, 403, 302)),
    ("POST", f"{G}/conveners/{{convener_id}}/remove", _codes(LOGIN, 403, 403, 403, 403, 403, 302)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, expected", MATRIX, ids=[f"{m} {t}" for m, t, _ in MATRIX])
def test_route_access(as_role, group_world, role, method, template, expected):
    client = as_role(role)
    url = template.format(request_id=group_world.request.id, convener_id=group_world.people.convener.id,
                          member_membership_id=group_world.group.membership_of(group_world.people.member).id)
    data = {"motivation": "We work on this.", "message": "ok", "role": "observer",
            "email": "outsider@example.org", "answer": "accept"}
    response = client.open(url, method=method, data=data)
    assert response.status_code == expected[role], f"{role} {method} {url}"


def test_every_core_route_is_in_the_matrix(app):
    covered = {template.replace(G, "/actiongroups/<slug>").split("{")[0].rstrip("/") for _m, template, _e in MATRIX}
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if endpoint.startswith("actiongroups.") and endpoint.count(".") == 1:
            path = rule.rule.split("<int:")[0].split("<any(")[0].rstrip("/")
            assert any(c.startswith(path) for c in covered), rule.rule


def test_partners_visibility_lets_signed_in_partners_read(client, login, make_group, make_user):
    from app.actiongroups.models import Visibility

    make_group("Open Group", slug="open-group", visibility=Visibility.partners)
    login(make_user())
    assert client.get("/actiongroups/open-group/workspace").status_code == 200
    assert client.get("/actiongroups/open-group/members").status_code == 200
