"""The audit log reads as sentences: actions in words, objects by name and linked, filters, one query a kind."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from app.audit import AuditEntry, record
from app.extensions import db
from app.members.models import User
from app.overlaps.models import OverlapFlag
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def entry(actor, action, obj, when, **detail) -> AuditEntry:
    made = record(actor, action, obj, **detail)
    made.created_at = when
    return made


@pytest.fixture
def log(make_org, make_user, make_pledge):  # noqa: F811
    org = make_org("Cocoa Coalition")
    admin = make_user("admin@example.org", org=org, admin=True, full_name="Ada Admin")
    focal = make_user("focal@example.org", org=org, full_name="Femi Focal")
    twin = make_user("twin@example.org", org=make_org("Other Org"), full_name="Femi Focal")
    first = make_pledge(org, title="Cocoa farms free of child labour")
    second = make_pledge(org, title="Ending child labour in cocoa")
    gone = make_pledge(org, title="A pledge deleted since")
    flag = OverlapFlag(a_id=first.initiative_id, b_id=second.initiative_id, a_kind="pledge", b_kind="pledge",
                       tier="likely")
    db.session.add(flag)
    db.session.flush()
    entry(focal, "pledge_submitted", first, T0)
    entry(admin, "pledge_published", first, T0 + timedelta(days=1))
    entry(admin, "overlap_decided", flag, T0 + timedelta(days=2), decision="same", reference=first.initiative_id,
          note="Same farms")
    entry(twin, "pledge_created", gone, T0 + timedelta(days=3))
    entry(admin, "user.approve", focal, T0 + timedelta(days=4))
    entry(admin, "some_future_code", org, T0 + timedelta(days=5))
    db.session.commit()
    ids = {"first": first.id, "second": second.id, "gone": gone.id, "flag": flag.id}
    db.session.delete(gone)
    db.session.commit()
    return type("Log", (), dict(admin=admin, focal=focal, twin=twin, org=org, **ids))


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in body.split("<tr>")[1:]]


def test_actions_are_in_words_and_objects_are_linked_by_name(client, login, log):
    login(log.admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Decided on an overlap" in page and "Published a pledge" in page and "Approved a person" in page
    assert ">overlap_decided<" not in page and "pledge:" not in " ".join(rows(page))
    assert f'<a href="/pledges/{log.first}">Cocoa farms free of child labour</a>' in page
    # Both sides of the overlap are named and linked, and so is the review page and the reference.
    overlap = next(r for r in rows(page) if r.startswith("") and "Decided on an overlap" in r)
    assert "Cocoa farms free of child labour ↔ Ending child labour in cocoa" in overlap
    assert f'href="/overlaps/review/{log.flag}"' in page and "Reference: Cocoa farms free of child labour" in overlap
    # A gone object is its kept label, as plain text; an unknown code is shown as itself.
    assert "A pledge deleted since" in page and f'href="/pledges/{log.gone}"' not in page
    assert "some_future_code" in page
    # A person is linked to the people page.
    assert "/admin/users?q=focal@example.org" in page
    assert "Decision: Same initiative" in overlap


def test_in_french_the_actions_are_french(client, login, log):
    log.admin.locale = "fr"
    db.session.commit()
    login(log.admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "A statué sur un chevauchement" in page and "Decided on an overlap" not in page


def test_filters_by_person_action_and_dates(client, login, log):
    login(log.admin)
    by_focal = rows(client.get(f"/admin/audit?actor={log.focal.id}").get_data(as_text=True))
    assert len(by_focal) == 1 and "Submitted a pledge for review" in by_focal[0]
    # Two people of the same name are told apart by their organisation in the list of people.
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Femi Focal (Cocoa Coalition)" in page and "Femi Focal (Other Org)" in page
    by_action = rows(client.get("/admin/audit?action=pledge_published").get_data(as_text=True))
    assert len(by_action) == 1 and "Published a pledge" in by_action[0]
    by_prefix = rows(client.get("/admin/audit?action=pledge_").get_data(as_text=True))
    assert len(by_prefix) == 3
    in_range = rows(client.get("/admin/audit?since=2026-03-11&until=2026-03-12").get_data(as_text=True))
    assert [("Published a pledge" in r, "Decided on an overlap" in r) for r in in_range] == [(False, True),
                                                                                            (True, False)]


def test_dates_are_the_readers_days(client, login, log):
    """An entry at 23:30 UTC on the 10th is on the 11th for a reader in Nairobi (UTC+3)."""
    late = entry(log.admin, "outbox_retried", log.admin, datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc))
    log.admin.timezone = "Africa/Nairobi"
    db.session.commit()
    login(log.admin)
    assert any("Retried failed deliveries" in r for r in rows(client.get(
        "/admin/audit?since=2026-03-11&until=2026-03-11").get_data(as_text=True)))
    assert not any("Retried failed deliveries" in r for r in rows(client.get(
        "/admin/audit?until=2026-03-10").get_data(as_text=True)))
    assert late.id


@pytest.mark.parametrize("query, field, message", [
    ("since=yesterday", "since", "Give a date as YYYY-MM-DD"),
    ("until=2026-02-31", "until", "Give a date as YYYY-MM-DD"),
    ("since=9999-01-01", "since", "Give a date as YYYY-MM-DD"),
    ("since=2026-03-12&until=2026-03-10", "until", "The end date is before the start date."),
])
def test_bad_dates_are_said_next_to_their_field(client, login, log, query, field, message):
    login(log.admin)
    response = client.get(f"/admin/audit?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    error = re.search(rf'<div id="audit-{field}-error" class="invalid-feedback">([^<]*)</div>', page)
    assert error and message in error.group(1)
    assert f'aria-describedby="audit-{field}-error"' in page


def test_junk_filters_do_not_break_the_page(client, login, log):
    login(log.admin)
    for query in ("actor=abc", "actor=99999999999999999999", "page=-1", "page=zz", "action=%25", "since=" + "9" * 500):
        assert client.get(f"/admin/audit?{query}").status_code == 200


def test_pages_keep_the_filters_and_the_queries_stay_few(client, login, log, count_queries):
    login(log.admin)
    count_queries.clear()
    client.get("/admin/audit")
    few = len(count_queries)
    first = db.session.get(User, log.focal.id)
    for n in range(120):
        entry(log.admin if n % 3 else log.twin, "pledge_published" if n % 2 else "user.approve",
              first if n % 2 else log.org, T0 + timedelta(minutes=n))
    db.session.commit()
    count_queries.clear()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert len(rows(page)) == 50 and len(count_queries) <= few, count_queries
    page = client.get("/admin/audit?action=user.approve").get_data(as_text=True)
    assert len(rows(page)) == 50 and "action=user.approve" in page and "page=2" in page
    assert all("Approved a person" in r for r in rows(page))


def test_only_the_secretariat_reads_the_log(client, login, log):
    assert client.get("/admin/audit").status_code == 302
    login(log.focal)
    assert client.get("/admin/audit").status_code == 403
