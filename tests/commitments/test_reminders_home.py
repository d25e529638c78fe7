"""The home page's "Your deadlines": what the signed-in person's organisation owes next on its pledges."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.commitments.schedule import add_months
from app.i18n import viewer_today
from app.members.models import UserStatus


@pytest.fixture
def world(make_org, make_user, make_pledge):
    """Two organisations with published pledges; the dates are relative to the real today (the page's)."""
    today = viewer_today()
    ours, theirs = make_org("Our Org"), make_org("Their Org")
    me = make_user("me@example.org", org=ours)
    # Started 5 months ago, reporting every 12 months: the report is not due for 7 months.
    dates = dict(start_date=add_months(today, -5), end_date=add_months(today, 19), report_every_months=12)
    make_pledge(ours, coordinator=me, title="Our school meals pledge", deliverables=[
        ("Late teacher guide", today - timedelta(days=3)), ("Soon survey", today + timedelta(days=5)),
        ("Far report", today + timedelta(days=90))], **dates)
    make_pledge(theirs, title="Their pledge", deliverables=[("Their survey", today + timedelta(days=2))], **dates)
    return ours, me


def test_a_signed_in_person_sees_their_organisations_deadlines_only(world, client, login):
    _org, me = world
    login(me)
    html = client.get("/").text
    assert "Your deadlines" in html
    assert "Late teacher guide" in html and "Soon survey" in html and "Our school meals pledge" in html
    assert html.index("Late teacher guide") < html.index("Soon survey")
    assert 'data-deadline="overdue"' in html and "3 days late" in html and "in 5 days" in html
    assert "Far report" not in html  # beyond 30 days
    start = html.index('id="deadlines"')
    deadlines = html[start:html.index("</section>", start)]   # (the newest pledges, anyone's, are listed too)
    assert "Their survey" not in deadlines and "Their pledge" not in deadlines and "Soon survey" in deadlines
    assert 'href="/pledges/mine"' in html


def test_nothing_due_shows_what_to_do(make_user, client, login):
    login(make_user())
    html = client.get("/").text
    assert "Your deadlines" in html
    assert "nothing overdue and nothing due in the next 30 days" in html
    assert 'href="/pledges/mine"' in html


def test_anonymous_and_pending_people_see_no_deadlines(world, make_user, client, login):
    ours, _me = world
    assert "Your deadlines" not in client.get("/").text
    login(make_user(org=ours, status=UserStatus.pending))
    html = client.get("/").text
    assert "Your deadlines" not in html and "Late teacher guide" not in html
