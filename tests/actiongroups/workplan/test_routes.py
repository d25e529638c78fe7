"""Work plan pages: who may do what, forms, the list's order and highlights, CSV, query counts."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from app import i18n
from app.actiongroups.models import GroupRole, Visibility
from app.actiongroups.workplan import services
from app.actiongroups.workplan.models import WorkItem, WorkItemStatus
from app.extensions import db
from app.notifications.models import Notification
from tests.actiongroups.conftest import ROLES
from tests.conftest import reload

BASE = "/actiongroups/supply-chains/workplan"


@pytest.fixture
def item(group_world):
    """A work item of the Supply Chains group."""
    created = services.create_work_item(group_world.people.member, group_world.group,
                                        {"title": "Original title", "due_date": date(2026, 6, 30)})
    db.session.commit()
    return created


def titles_in_order(html: str) -> list[str]:
    return re.findall(r'<a href="/actiongroups/[\w-]+/workplan/\d+">([^<]+)</a>', html)


def row_of(html: str, title: str) -> str:
    return next(row for row in html.split("<tr") if f">{title}</a>" in row)


def item_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(WorkItem.id)))


# -- access matrix -----------------------------------------------------------------------------------------
READS = {"index": ("GET", ""), "export": ("GET", "/export.csv"), "detail": ("GET", "/{id}")}
WRITES = {"create": ("GET", "/new"), "create:post": ("POST", "/new"), "edit": ("GET", "/{id}/edit"),
          "edit:post": ("POST", "/{id}/edit"), "change_status": ("POST", "/{id}/status")}
FORMS = {"/new": {"title": "Added by a test", "status": "planned"},
         "/{id}/edit": {"title": "Edited by a test", "status": "in_progress"},
         "/{id}/status": {"status": "done"}}
READERS = {"observer", "member", "convener", "admin"}
PLANNERS = {"member", "convener", "admin"}


def test_the_matrix_covers_every_route(app):
    endpoints = {rule.endpoint.rsplit(".", 1)[1] for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("actiongroups.workplan.")}
    assert endpoints == {name.split(":")[0] for name in {**READS, **WRITES}}


def expected(role: str, name: str, method: str) -> int:
    if role == "anonymous":
        return 302
    if name in READS:
        return 200 if role in READERS else 403
    if role not in PLANNERS:
        return 403
    return 302 if method == "POST" else 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", [*READS, *WRITES])
def test_access(as_role, item, role, name):
    method, path = {**READS, **WRITES}[name]
    client = as_role(role)
    url = BASE + path.format(id=item.id)
    response = client.open(url, method=method, data=FORMS.get(path) if method == "POST" else None)
    assert response.status_code == expected(role, name, method)
    if role == "anonymous":
        assert "/login" in response.headers["Location"]
    changed = reload(item)
    if method == "POST" and response.status_code != 302 or role == "anonymous":
        # Refused: nothing was written.
        assert (changed.title, changed.status) == ("Original title", WorkItemStatus.planned)
        assert item_count() == 1


def test_ids_from_another_group_are_not_found(as_role, item, make_group, make_user, add_member):
    other_group = make_group("Migration", slug="migration")
    someone = make_user()
    add_member(other_group, someone, GroupRole.convener)
    foreign = services.create_work_item(someone, other_group, {"title": "Foreign item"})
    db.session.commit()
    client = as_role("member")
    assert client.get(f"{BASE}/{foreign.id}").status_code == 404
    assert client.get(f"{BASE}/{foreign.id}/edit").status_code == 404
    assert client.post(f"{BASE}/{foreign.id}/edit", data={"title": "Mine now"}).status_code == 404
    assert client.post(f"{BASE}/{foreign.id}/status", data={"status": "dropped"}).status_code == 404
    assert client.get(f"{BASE}/999999").status_code == 404
    # And through the other group's own address, a non-member is refused outright.
    assert client.get(f"/actiongroups/migration/workplan/{foreign.id}").status_code == 403
    foreign = reload(foreign)
    assert (foreign.title, foreign.status) == ("Foreign item", WorkItemStatus.planned)
    assert "Foreign item" not in client.get(BASE).get_data(as_text=True)


def test_partners_group_is_readable_by_outsiders_who_cannot_plan(client, login, make_group, make_user, add_member):
    group = make_group("Open Group", slug="open-group", visibility=Visibility.partners)
    member, outsider = make_user(), make_user()
    add_member(group, member)
    work = services.create_work_item(member, group, {"title": "Visible work"})
    db.session.commit()
    login(outsider)
    base = "/actiongroups/open-group/workplan"
    listing = client.get(base)
    assert listing.status_code == 200 and "Visible work" in listing.get_data(as_text=True)
    assert "Add a work item" not in listing.get_data(as_text=True)
    assert client.get(f"{base}/{work.id}").status_code == 200
    assert client.get(f"{base}/export.csv").status_code == 200
    assert client.get(f"{base}/new").status_code == 403
    assert client.post(f"{base}/new", data={"title": "Intruder"}).status_code == 403
    assert client.post(f"{base}/{work.id}/edit", data={"title": "Intruder"}).status_code == 403
    assert client.post(f"{base}/{work.id}/status", data={"status": "dropped"}).status_code == 403
    assert item_count() == 1 and reload(work).status is WorkItemStatus.planned


@pytest.mark.parametrize("role", ["member", "convener", "admin"])
def test_archived_group_is_read_only(as_role, group_world, item, role):
    group_world.group.is_archived = True
    db.session.commit()
    client = as_role(role)
    listing = client.get(BASE).get_data(as_text=True)
    assert "Original title" in listing and "archived" in listing
    assert "Add a work item" not in listing and "/status" not in listing
    assert "/edit" not in client.get(f"{BASE}/{item.id}").get_data(as_text=True)
    assert client.get(f"{BASE}/new").status_code == 403
    assert client.post(f"{BASE}/new", data={"title": "During archive"}).status_code == 403
    assert client.post(f"{BASE}/{item.id}/edit", data={"title": "During archive"}).status_code == 403
    assert client.post(f"{BASE}/{item.id}/status", data={"status": "done"}).status_code == 403
    item = reload(item)
    assert item_count() == 1 and (item.title, item.status) == ("Original title", WorkItemStatus.planned)


def test_the_tab_is_in_the_workspace(as_role, group_world):
    html = as_role("observer").get("/actiongroups/supply-chains/workspace").get_data(as_text=True)
    assert f'href="{BASE}"' in html and "Work plan" in html


# -- forms ----------------------------------------------------------------------------------------------------
def test_member_adds_and_edits_an_item(as_role, group_world, make_org):
    org = make_org("Lead Org")
    client = as_role("member")
    form = client.get(f"{BASE}/new").get_data(as_text=True)
    assert 'type="date"' in form and 'name="countries"' in form and "Lead Org" in form
    response = client.post(f"{BASE}/new", data={
        "title": "Survey of recruiters", "description": "A *survey*.", "status": "in_progress",
        "lead_organisation_id": str(org.id), "countries": ["NPL", "QAT"], "areas": ["trafficking"],
        "start_date": "2026-01-15", "due_date": "2026-09-30", "responsible_id": str(group_world.people.convener.id)})
    assert response.status_code == 302
    work = db.session.scalar(sa.select(WorkItem))
    assert response.headers["Location"].endswith(f"{BASE}/{work.id}")
    assert (work.title, work.status, work.lead_organisation_id) == ("Survey of recruiters", WorkItemStatus.in_progress,
                                                                    org.id)
    assert work.countries == ["NPL", "QAT"] and work.areas == ["trafficking"]
    assert (work.start_date, work.due_date) == (date(2026, 1, 15), date(2026, 9, 30))
    assert work.responsible_id == group_world.people.convener.id
    page = client.get(f"{BASE}/{work.id}").get_data(as_text=True)
    assert "<em>survey</em>" in page and "Nepal" in page and "Human trafficking" in page and "Lead Org" in page
    edit = client.get(f"{BASE}/{work.id}/edit").get_data(as_text=True)
    assert 'value="2026-09-30"' in edit and re.search(r'type="checkbox" name="countries" id="countries-\d+" value="NPL" checked>', edit)
    response = client.post(f"{BASE}/{work.id}/edit", data={"title": "Survey, phase 2", "status": "done",
                                                           "countries": ["NPL"]})
    assert response.status_code == 302
    work = reload(work)
    assert (work.title, work.status, work.countries, work.due_date) == ("Survey, phase 2", WorkItemStatus.done,
                                                                        ["NPL"], None)


def test_due_before_start_is_shown_next_to_the_due_date_and_nothing_is_saved(as_role):
    client = as_role("member")
    response = client.post(f"{BASE}/new", data={"title": "Backwards", "status": "planned",
                                                "start_date": "2026-05-01", "due_date": "2026-04-01"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    error = re.search(r'<div id="due_date-error"[^>]*>([^<]*)</div>', html)
    assert error and "cannot be before the start date" in error.group(1)
    assert 'value="Backwards"' in html and 'value="2026-05-01"' in html   # what was typed is kept
    assert item_count() == 0


def test_unknown_country_is_refused_next_to_the_field(as_role):
    response = as_role("member").post(f"{BASE}/new", data={"title": "Somewhere", "status": "planned",
                                                           "countries": ["KEN", "ZZZ"]})
    assert response.status_code == 200
    error = re.search(r'<div id="countries-error"[^>]*>([^<]*)</div>', response.get_data(as_text=True))
    assert error and "ZZZ" in error.group(1)
    assert item_count() == 0


@pytest.mark.parametrize("form, field", [
    ({"title": "", "status": "planned"}, "title"),
    ({"title": "Bad date", "status": "planned", "due_date": "31/02/2026"}, "due_date"),
    ({"title": "Bad person", "status": "planned", "responsible_id": "abc"}, "responsible_id"),
    ({"title": "Bad status", "status": "finished"}, "status"),
])
def test_bad_input_is_shown_next_to_its_field(as_role, form, field):
    response = as_role("member").post(f"{BASE}/new", data=form)
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert item_count() == 0


def test_an_outsider_cannot_be_made_responsible(as_role, group_world):
    response = as_role("member").post(f"{BASE}/new", data={
        "title": "Given away", "status": "planned", "responsible_id": str(group_world.people.outsider.id)})
    assert response.status_code == 200 and 'id="responsible_id-error"' in response.get_data(as_text=True)
    assert item_count() == 0


def test_the_responsible_person_gets_one_notification(as_role, group_world):
    convener = group_world.people.convener
    client = as_role("member")
    client.post(f"{BASE}/new", data={"title": "Assigned", "status": "planned", "responsible_id": str(convener.id)})
    work = db.session.scalar(sa.select(WorkItem))
    client.post(f"{BASE}/{work.id}/edit", data={"title": "Assigned, renamed", "status": "planned",
                                                "responsible_id": str(convener.id)})
    client.post(f"{BASE}/{work.id}/status", data={"status": "in_progress"})
    notifications = db.session.scalars(sa.select(Notification).where(Notification.recipient_id == convener.id)).all()
    assert [n.kind for n in notifications] == ["work_item_assigned"]
    assert notifications[0].url == f"{BASE}/{work.id}"


def test_quick_status_change_returns_to_a_safe_page(as_role, item):
    client = as_role("convener")
    response = client.post(f"{BASE}/{item.id}/status", data={"status": "in_progress", "next": f"{BASE}?sort=status"})
    assert response.headers["Location"].endswith(f"{BASE}?sort=status")
    assert reload(item).status is WorkItemStatus.in_progress
    response = client.post(f"{BASE}/{item.id}/status", data={"status": "done", "next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"{BASE}/{item.id}")
    assert reload(item).status is WorkItemStatus.done
    client.post(f"{BASE}/{item.id}/status", data={"status": "finished"})
    assert reload(item).status is WorkItemStatus.done
    assert "Choose a status from the list." in client.get(f"{BASE}/{item.id}").get_data(as_text=True)


# -- the list ---------------------------------------------------------------------------------------------------
@pytest.fixture
def four_items(group_world):
    member, group = group_world.people.member, group_world.group
    for title, due, status in [("Alpha", date(2026, 5, 1), "in_progress"), ("Bravo", date(2026, 4, 1), "done"),
                               ("Charlie", date(2026, 6, 1), "planned"), ("Delta", None, "planned")]:
        services.create_work_item(member, group, {"title": title, "due_date": due, "status": status})
    db.session.commit()


@pytest.mark.parametrize("query, order", [
    ("", ["Bravo", "Alpha", "Charlie", "Delta"]),
    ("?sort=due", ["Bravo", "Alpha", "Charlie", "Delta"]),
    ("?sort=-due", ["Charlie", "Alpha", "Bravo", "Delta"]),               # no due date: last either way
    ("?sort=status", ["Charlie", "Delta", "Alpha", "Bravo"]),             # planned, in progress, done
    ("?sort=status&status=planned", ["Charlie", "Delta"]),
    ("?status=done", ["Bravo"]),
    ("?sort=nonsense&status=nonsense", ["Bravo", "Alpha", "Charlie", "Delta"]),
])
def test_sorting_and_filtering(as_role, four_items, query, order):
    response = as_role("observer").get(BASE + query)
    assert response.status_code == 200
    assert titles_in_order(response.get_data(as_text=True)) == order


def test_empty_states_say_what_to_do(as_role, four_items):
    client = as_role("member")
    assert "No work item has this status" in client.get(f"{BASE}?status=dropped").get_data(as_text=True)


def test_empty_plan_invites_participants_to_add(as_role, group_world):
    assert "Add the first work item" in as_role("member").get(BASE).get_data(as_text=True)


def test_overdue_items_are_marked_in_words_in_the_viewers_time_zone(as_role, group_world, monkeypatch):
    """At 23:30 UTC on 9 March it is 10 March in Nairobi: an item due on 9 March is overdue there."""
    member = group_world.people.member
    for title, due, status in [("Due yesterday", date(2026, 3, 8), "planned"),
                               ("Due today in UTC", date(2026, 3, 9), "in_progress"),
                               ("Finished late", date(2026, 1, 1), "done"),
                               ("Dropped late", date(2026, 1, 1), "dropped"),
                               ("Future", date(2026, 4, 1), "planned")]:
        services.create_work_item(member, group_world.group, {"title": title, "due_date": due, "status": status})
    db.session.commit()
    monkeypatch.setattr(i18n, "utcnow", lambda: datetime(2026, 3, 9, 23, 30, tzinfo=timezone.utc))
    client = as_role("member")
    html = client.get(BASE).get_data(as_text=True)
    assert "Overdue" in row_of(html, "Due yesterday")  # in words (row shading failed contrast)
    for title in ("Due today in UTC", "Finished late", "Dropped late", "Future"):
        assert "Overdue" not in row_of(html, title), title
    member.timezone = "Africa/Nairobi"
    db.session.commit()
    html = client.get(BASE).get_data(as_text=True)
    assert "Overdue" in row_of(html, "Due today in UTC")
    assert "Overdue" not in row_of(html, "Finished late")
    late = db.session.scalar(sa.select(WorkItem).where(WorkItem.title == "Due yesterday"))
    assert "Overdue" in client.get(f"{BASE}/{late.id}").get_data(as_text=True)


def test_the_list_paginates(as_role, group_world):
    for n in range(25):
        services.create_work_item(group_world.people.member, group_world.group, {"title": f"Item {n:02d}"})
    db.session.commit()
    client = as_role("member")
    first, second = client.get(BASE).get_data(as_text=True), client.get(f"{BASE}?page=2").get_data(as_text=True)
    assert len(titles_in_order(first)) == 20 and len(titles_in_order(second)) == 5
    assert "Page 1 of 2" in first


# -- CSV -----------------------------------------------------------------------------------------------------
def test_csv_export(as_role, group_world, make_org):
    people, group = group_world.people, group_world.group
    org = make_org("Lead, Org")
    survey = services.create_work_item(people.member, group, {
        "title": "Survey", "status": "in_progress", "lead_organisation_id": org.id, "countries": ["QAT", "NPL"],
        "start_date": date(2026, 1, 15), "due_date": date(2026, 9, 30), "responsible_id": people.convener.id,
        "description": "Ask the *brick kilns*.", "areas": ["forced_labour", "child_labour"]})
    services.create_work_item(people.member, group, {"title": "=HYPERLINK(\"http://evil\")", "status": "done"})
    db.session.commit()
    response = as_role("observer").get(f"{BASE}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="supply-chains-workplan.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Title", "Status", "Lead organisation", "Countries", "Start date", "Due date",
                       "Person responsible", "Description", "8.7 areas", "Link"]
    convener = f"Cleo Convener ({people.convener.organisation.name})"
    assert rows[1][:7] == ["Survey", "In progress", "Lead, Org", "NPL QAT", "2026-01-15", "2026-09-30", convener]
    assert rows[1][7] == "Ask the *brick kilns*."
    assert set(rows[1][8].split("; ")) == {"Forced labour", "Child labour"}
    assert rows[1][9].endswith(f"/actiongroups/{group.slug}/workplan/{survey.id}") and rows[1][9].startswith("http")
    assert rows[2][:9] == ["'=HYPERLINK(\"http://evil\")", "Done", "", "", "", "", "", "", ""]  # never a formula
    assert len(rows) == 3
    filtered = as_role("observer").get(f"{BASE}/export.csv?status=done").data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(filtered)))) == 2


# -- query counts ----------------------------------------------------------------------------------------------
def test_list_and_export_query_counts_do_not_grow(as_role, group_world, make_user, make_org, add_member,
                                                  count_queries):
    group = group_world.group

    def add_items(n):
        for _ in range(n):
            person = make_user(password=None)
            add_member(group, person)
            services.create_work_item(group_world.people.member, group, {
                "title": f"Item by {person.full_name}", "lead_organisation_id": make_org().id,
                "responsible_id": person.id, "due_date": date(2020, 1, 1), "countries": ["KEN"]})
        db.session.commit()

    client = as_role("member")

    def measure():
        counts = []
        for url in (BASE, f"{BASE}?sort=status", f"{BASE}/export.csv"):
            client.get(url)  # warm up (first-request work is not what we measure)
            count_queries.clear()
            response = client.get(url)
            assert response.status_code == 200
            counts.append(len(count_queries))
        return counts, response.data.decode("utf-8-sig")

    add_items(5)
    small, small_csv = measure()
    add_items(45)
    large, large_csv = measure()
    assert small == large, (small, large)
    assert max(large) <= 15
    assert len(large_csv.splitlines()) == 51 and len(small_csv.splitlines()) == 6


def test_links_to_change_are_shown_only_to_those_who_may(as_role, item):
    observer = as_role("observer")
    assert "/edit" not in observer.get(f"{BASE}/{item.id}").get_data(as_text=True)
    listing = observer.get(BASE).get_data(as_text=True)
    assert "Add a work item" not in listing and "/status" not in listing
    observer.post("/logout")
    member = as_role("member")
    assert f"{BASE}/{item.id}/edit" in member.get(f"{BASE}/{item.id}").get_data(as_text=True)
    listing = member.get(BASE).get_data(as_text=True)
    assert "Add a work item" in listing and f"{BASE}/{item.id}/status" in listing
