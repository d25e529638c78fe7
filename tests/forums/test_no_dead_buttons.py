"""Only what a person may do is shown: every link and button on the Forum and consultation pages, walked by
each role in turn, leads somewhere that does not answer 403 (a focal point saw a "New consultation" button
that ended in 403)."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD
from tests.forums.test_routes import world  # noqa: F401 (the fixture)

ROLES = ["anonymous", "partner", "non_invitee", "invitee", "convener", "secretariat"]
PAGES = ["/forums/", "/forums/consultations", "/forums/{w.forum.slug}", "/forums/{w.forum.slug}?view=list",
         "/forums/{w.forum.slug}/sessions/{w.session.id}", "/forums/{w.forum.slug}/sessions/{w.workshop.id}",
         "/forums/consultations/{w.poll.id}", "/forums/consultations/{w.meeting.id}",
         "/forums/groups/supply-chains/meetings"]
# Where the walk stops: signing out ends the walk, and pages outside the Forum have their own tests.
SKIP = ("/logout", "/static/")


class _Targets(HTMLParser):
    """The links (GET) and the forms' targets (their method) of one page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self.forms.append(((attrs.get("method") or "get").lower(), attrs.get("action") or ""))


def _internal(url: str, page: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("role", ROLES)
def test_every_visible_link_and_button_leads_somewhere_allowed(app, world, role):  # noqa: F811
    people = {"anonymous": None, "partner": world.people.partner, "non_invitee": world.people.member,
              "invitee": world.people.invitee, "convener": world.people.convener,
              "secretariat": world.people.admin}
    client = app.test_client()
    person = people[role]
    if person is not None:
        assert client.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 302
    links, posts, walked = set(), set(), 0
    for page in PAGES:
        url = page.format(w=world)
        response = client.get(url)
        if response.status_code != 200:
            continue  # a page this role may not open is the route matrix's business
        walked += 1
        targets = _Targets()
        targets.feed(response.text)
        links.update(filter(None, (_internal(href, url) for href in targets.links)))
        for method, action in targets.forms:
            target = _internal(action or url, url)
            if target:
                (posts if method == "post" else links).add(target)
    assert walked >= 3 and links, role
    dead = [f"GET {link}" for link in sorted(links) if client.get(link).status_code == 403]
    # The buttons last: they may change what later buttons do, but none of them may be refused.
    dead += [f"POST {action}" for action in sorted(posts) if client.post(action, data={}).status_code == 403]
    assert not dead, f"{role} sees buttons that end in 403: {dead}"


def test_a_focal_point_is_not_offered_a_new_consultation(app, world):  # noqa: F811
    for person, offered in ((world.people.partner, False), (world.people.convener, True)):
        client = app.test_client()
        client.post("/login", data={"email": person.email, "password": PASSWORD})
        for page in ("/forums/", "/forums/consultations"):
            assert ("/forums/consultations/new" in client.get(page).text) is offered, (person.email, page)
