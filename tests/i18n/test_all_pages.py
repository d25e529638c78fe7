"""Every page of the Hub in English, French and Spanish: translated, and no English left behind.

A new page joins this test by adding its URL to PUBLIC_PAGES or SIGNED_IN_PAGES.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po

from app.extensions import db
from app.knowledge.search import rebuild_index
from app.members.models import OrganisationStatus, UserStatus
from tests.conftest import PASSWORD

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"
LANGUAGES = ["fr", "es"]

PUBLIC_PAGES = ["/", "/organisations", "/organisations/{w.org.id}", "/apply", "/apply/organisation",
                "/apply/join", "/login", "/password/forgot", "/password/reset/not-a-token",
                "/invitation/not-a-token", "/no-such-page", "/actiongroups/", "/actiongroups/zeta",
                "/pledges/", "/pledges/?q=zork", "/pledges/{w.pledge.id}",
                "/pledges/{w.pledge.id}/reports/{w.approved_report.id}",
                "/forums/", "/forums/zeta-2027", "/forums/zeta-2027?view=list", "/forums/zeta-2027/sessions/{w.session.id}",
                "/library/", "/library/{w.resource.id}", "/search?q=zeta", "/countries/", "/countries/KEN",
                "/dashboard", "/news/", "/news/{w.news.id}",
                "/activities/", "/activities/{w.activity.id}", "/overlaps/gaps/cell?country=KEN&area=child_labour",
                "/newsletter/unsubscribe/not-a-token"]
# Finding things: the registry's note on global pledges, a country as the first search result, a respelling.
PUBLIC_PAGES += ["/pledges/?country=KEN", "/pledges/?country=KEN&global=0", "/search?q=Kenya", "/search?q=Zetaa"]
SIGNED_IN_PAGES = ["/account", "/profile", "/password/change", "/organisations/{w.org.id}/edit",
                   "/organisations/{w.org.id}/members", "/organisations/{w.waiting.id}", "/admin/", "/admin/users",
                   "/admin/organisations", "/admin/invite", "/admin/audit", "/admin/outbox",
                   "/notifications", "/notifications/preferences",
                   "/actiongroups/new", "/actiongroups/zeta/edit", "/actiongroups/zeta/workspace",
                   "/actiongroups/zeta/members",
                   "/actiongroups/zeta/threads", "/actiongroups/zeta/threads/new",
                   "/actiongroups/zeta/threads/{w.thread.id}",
                   "/actiongroups/zeta/threads/{w.thread.id}/posts/{w.post.id}/edit",
                   "/actiongroups/zeta/documents", "/actiongroups/zeta/documents/new",
                   "/actiongroups/zeta/documents/{w.document.id}", "/actiongroups/zeta/documents/{w.document.id}/edit",
                   "/actiongroups/zeta/workplan", "/actiongroups/zeta/workplan/new",
                   "/actiongroups/zeta/workplan/{w.item.id}", "/actiongroups/zeta/workplan/{w.item.id}/edit",
                   "/pledges/mine", "/pledges/new", "/pledges/review", "/pledges/{w.pledge.id}/edit",
                   "/pledges/{w.draft.id}", "/pledges/{w.draft.id}/edit",
                   "/pledges/{w.pledge.id}/deliverables/{w.pledge.deliverables[1].id}/done",
                   "/pledges/{w.pledge.id}/reports/new", "/pledges/{w.pledge.id}/reports/{w.report.id}",
                   "/pledges/{w.pledge.id}/reports/{w.report.id}/edit",
                   "/forums/new", "/forums/zeta-2027/edit", "/forums/zeta-2027/sessions/new",
                   "/forums/zeta-2027/sessions/{w.session.id}/edit", "/forums/zeta-2027/agenda",
                   "/forums/zeta-2027/participants", "/forums/consultations", "/forums/consultations/new",
                   "/forums/consultations/{w.poll.id}", "/forums/consultations/{w.meeting.id}",
                   "/forums/consultations/{w.meeting.id}/reschedule", "/forums/groups/zeta/meetings",
                   "/library/new", "/library/mine", "/library/review", "/library/curators",
                   "/library/{w.submitted.id}", "/library/{w.submitted.id}/edit", "/countries/KEN/pathfinder",
                   "/overlaps/gaps", "/overlaps/review", "/overlaps/review/{w.flag.id}",
                   "/overlaps/contact/{w.pledge.initiative_id}",
                   "/translations/group/{w.group.id}", "/translations/needed",
                   "/news/new", "/news/{w.news.id}/edit", "/translations/news/{w.news.id}", "/announcements/",
                   "/admin/newsletter", "/admin/newsletter/preview"]
# The secretariat's import of activities: the upload page, a finished import and one waiting for the worker.
SIGNED_IN_PAGES += ["/admin/imports", "/admin/imports/{w.import_done.id}", "/admin/imports/{w.import_queued.id}"]


def _catalog(lang):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f, locale=lang) if m.id and isinstance(m.id, str)}


CATALOGS = {lang: _catalog(lang) for lang in LANGUAGES}
# Pages that show no user content at all (forms, error pages): the data check above does not apply.
NO_USER_CONTENT = {"/apply", "/apply/organisation", "/apply/join", "/login", "/password/forgot",
                   "/password/reset/not-a-token", "/invitation/not-a-token", "/no-such-page",
                   "/apply/organisation (errors)", "/countries/", "/dashboard",
                   "/newsletter/unsubscribe/not-a-token", "/admin/newsletter", "/admin/newsletter/preview"}


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def count(text: str, phrase: str) -> int:
    return len(re.findall(rf"(?<!\w){re.escape(phrase)}(?!\w)", text))


def english_left_behind(english: str, translated: str, lang: str) -> list[str]:
    """UI strings that show on the English page as often on the translated one: not translated."""
    left = []
    for msgid, msgstr in CATALOGS[lang].items():
        if "%(" in msgid or msgstr == msgid or msgid in msgstr or (" " not in msgid and len(msgid) < 8):
            continue
        n = count(english, msgid)
        if n and count(translated, msgid) >= n:
            left.append(msgid)
    return left


@pytest.fixture
def world(make_org, make_user):
    """Names chosen to share no words with the interface, so user content can't look like UI text."""
    org = make_org("Zeta Cooperative", acronym="ZC", description="Quux *xyzzy*.")
    waiting = make_org("Quorra Collective", status=OrganisationStatus.pending)
    make_user("waiting@example.org", org=waiting, status=UserStatus.pending, full_name="Vex Qadir")
    admin = make_user("admin@example.org", org=org, admin=True, full_name="Yuki Zorn")
    workspace = _workspace(org, admin, make_user)
    pledges = _pledges(org, admin)
    forums = _forums(admin, workspace["group"])
    knowledge = _knowledge(org, admin)
    overlaps = _overlaps(pledges["pledge"])
    news = _news(admin, workspace["group"])
    imported = _imports(admin)
    # Made directly rather than through the services: indexed for the search as seed-demo does it.
    rebuild_index()
    db.session.commit()
    return SimpleNamespace(org=org, waiting=waiting, admin=admin, **workspace, **pledges, **forums, **knowledge,
                           **overlaps, **news, **imported)


def _imports(admin):
    """A finished import of activities (a record created, one skipped) and one waiting for the worker."""
    from app.admin.imports import ImportJob, ImportState

    done = ImportJob(kind="iati", state=ImportState.done, file_name="zork.xml", file_size=2048, bytes_read=2048,
                     created=1, skipped=1, created_by_id=admin.id, summary=[
                         {"where": "zork.xml 2", "outcome": "skipped", "identifier": "", "reason": "-"},
                         {"where": "zork.xml 1", "outcome": "created", "identifier": "XM-ZORK-2", "reason": ""}])
    queued = ImportJob(kind="csv", file_name="quux.csv", file_size=100, created_by_id=admin.id)
    db.session.add_all([done, queued])
    db.session.commit()
    return {"import_done": done, "import_queued": queued}


def _news(admin, group):
    """A group's public news post about Kenya (app/news)."""
    from app.news.services import NewsData, create_post

    post = create_post(admin, NewsData(title="Zork quux", body="Plugh *xyzzy*.", group_id=group.id,
                                       countries=["KEN"], areas=["child_labour"]))
    db.session.commit()
    return {"news": post}


def _forums(admin, group):
    """A Forum edition with a session the admin registered for, a poll and a scheduled meeting of the group."""
    from datetime import date, time

    from app.forums import consultations, services
    from app.utils import utcnow

    today = utcnow().date()
    forum = services.create_forum(admin, services.ForumData(
        title="Zeta Forum", slug="zeta-2027", starts_on=date(today.year + 1, 3, 27), ends_on=date(today.year + 1, 3, 29),
        timezone="Europe/Zurich", venue_name="Quux Hall", tracks=["Xyzzy"], rooms=["Zork"], is_published=True))
    session = services.create_session(admin, forum, services.SessionData(
        title="Zeta frobnication", day=forum.starts_on, start=time(10, 0), end=time(11, 0), kind="workshop",
        track_id=forum.tracks[0].id, room_id=forum.rooms[0].id, capacity=5, countries=["KEN"],
        speakers=[services.SpeakerData("Quux Zorblat", "Xyzzy")]))
    services.register(admin, forum)
    services.register(admin, forum, session)
    soon = today.toordinal() + 20

    def poll(title):
        return consultations.create_consultation(admin, consultations.ConsultationData(
            title=title, audience="group", group_id=group.id, timezone="Europe/Zurich", purpose="Xyzzy.",
            slots=[(date.fromordinal(soon), time(9, 0)), (date.fromordinal(soon + 1), time(22, 0))],
            deadline_on=date.fromordinal(soon - 5), deadline_time=time(12, 0)))

    open_poll = poll("Zeta quorum")
    meeting = poll("Zeta plenum")
    consultations.confirm_slot(admin, meeting, meeting.slots[0])
    db.session.commit()
    return {"forum": forum, "session": session, "poll": open_poll, "meeting": meeting}


def _knowledge(org, admin):
    """A published and a submitted resource, about Kenya like the pledge."""
    from datetime import datetime, timezone

    from app.knowledge.models import Resource, ResourceState

    when = datetime(2024, 2, 1, tzinfo=timezone.utc)
    resource = Resource(title="Zeta atlas", summary="Quux *xyzzy*.", resource_type="data", areas=["child_labour"],
                        countries=["KEN"], publication_year=2023, external_url="https://example.org/zeta",
                        state=ResourceState.published, organisation_id=org.id, publisher_id=org.id,
                        licence="cc_by", created_at=when, updated_at=when, submitted_at=when, published_at=when)
    submitted = Resource(title="Zeta survey", summary="Xyzzy.", resource_type="research", countries=["KEN"],
                         external_url="https://example.org/zork", state=ResourceState.submitted,
                         organisation_id=org.id, submitted_by_id=admin.id, created_at=when, updated_at=when,
                         submitted_at=when)
    db.session.add_all([resource, submitted])
    db.session.commit()
    return {"resource": resource, "submitted": submitted}


def _overlaps(pledge):
    """An imported activity like the published pledge, and the flag between them."""
    from app.overlaps.models import ExternalActivity, OverlapFlag

    activity = ExternalActivity(identifier="XM-ZORK-1", title="Zork survey", reporting_org_name="Zeta Agency",
                                description="Frobnicate the quux in Kenya for zorkmids.", countries=["KEN"],
                                areas=["child_labour"], status="2", source="iati", source_name="zork.xml")
    db.session.add(activity)
    db.session.flush()
    flag = OverlapFlag(a_id=activity.initiative_id, b_id=pledge.initiative_id, a_kind="external_activity",
                       b_kind="pledge", tier="possible_overlap", tier_rank=1, score=0.3,
                       reasons=[["countries", [["KEN"], 1]], ["no_end_date", ["draft"]]], countries=["KEN"],
                       areas=["child_labour"])
    db.session.add(flag)
    db.session.commit()
    return {"activity": activity, "flag": flag}


def _workspace(org, admin, make_user):
    """A group with one of everything, and a notification, all named with words no page uses."""
    import io
    from datetime import date

    from werkzeug.datastructures import FileStorage

    from app.actiongroups.discussions import services as discussions
    from app.actiongroups.documents import services as documents
    from app.actiongroups.models import ActionGroup, GroupRole, JoinRequest, Membership
    from app.actiongroups.services import record_activity
    from app.actiongroups.workplan import services as workplan
    from app.uploads import store_upload

    group = ActionGroup(slug="zeta", name="Zeta Quorum", mandate="Xyzzy quux.", areas=["forced_labour"],
                        focus_countries=["KEN"])
    db.session.add(group)
    db.session.flush()
    colleague = make_user("colleague@example.org", org=org, full_name="Wren Quill")
    db.session.add_all([Membership(group_id=group.id, user_id=admin.id, role=GroupRole.convener),
                        Membership(group_id=group.id, user_id=colleague.id, role=GroupRole.member),
                        JoinRequest(group_id=group.id, user_id=make_user("asker@example.org", org=org).id,
                                    motivation="Xyzzy.")])
    db.session.flush()
    thread = discussions.start_thread(admin, group, "Qux zork", "Frobnicate **quux**.")
    discussions.reply(colleague, thread, "Zork @[Yuki Zorn].")
    post = discussions.reply(admin, thread, "Quux zork.")  # the signed-in admin's own post, to edit
    stored = store_upload(FileStorage(io.BytesIO(b"a,b\n1,2\n"), filename="zork.csv"))
    document = documents.add_document(colleague, group, documents.DocumentData(title="Zork table",
                                                                              is_public=True), stored)
    item = workplan.create_work_item(admin, group, workplan.WorkItemData(
        title="Quux frobnication", countries=["KEN"], due_date=date(2020, 1, 1), responsible_id=colleague.id))
    record_activity(group, colleague, "member_joined")
    db.session.commit()
    return {"group": group, "thread": thread, "post": post, "document": document, "item": item}


def _pledges(org, admin):
    """A published pledge of the admin's organisation with an approved and a draft report, and a draft pledge."""
    from datetime import date, datetime, timezone
    from decimal import Decimal

    from app.commitments.models import (
        Deliverable, Indicator, Pledge, PledgeState, ProgressReport, ReportEvidence, ReportState, ReportValue,
    )
    from app.commitments.services import record_event

    def pledge(title, state):
        made = Pledge(organisation_id=org.id, coordinator_id=admin.id, created_by_id=admin.id, title=title,
                      description="Frobnicate the quux.", contribution="Xyzzy zork.", areas=["child_labour"],
                      action_type="research_data", countries=["KEN"], target_groups=["children"],
                      start_date=date(2024, 1, 1), end_date=date(2030, 12, 31), resources_amount=Decimal(1000),
                      resources_currency="EUR", state=state, search_text=f"{title.lower()} frobnicate the quux")
        made.deliverables = [Deliverable(position=0, title="Zork census", due_date=date(2024, 6, 30),
                                         done_on=date(2024, 5, 1)),
                             Deliverable(position=1, title="Quux atlas", due_date=date(2031, 6, 30))]
        made.indicators = [Indicator(position=0, name="Zorkmids", unit="zm", baseline=Decimal(0),
                                     target=Decimal(10), current_value=Decimal(4), current_as_of=date(2024, 7, 1))]
        if state is PledgeState.published:
            made.published_at = datetime(2024, 1, 2, tzinfo=timezone.utc)
            made.reported_through = date(2024, 7, 1)
        made.refresh_schedule()
        db.session.add(made)
        db.session.flush()
        return made

    published = pledge("Zork pledge", PledgeState.published)
    everywhere = pledge("Zork world pledge", PledgeState.published)   # global: the country filter says so
    everywhere.countries, everywhere.is_global = [], True
    draft = pledge("Quux pledge", PledgeState.draft)
    approved = ProgressReport(pledge_id=published.id, period_start=date(2024, 1, 1), period_end=date(2024, 7, 1),
                              state=ReportState.approved, narrative="Zork *frobnicated*.", author_id=admin.id)
    # Split by sex and age group, with a link as evidence: the report page and the table under the chart show them.
    approved.values = [ReportValue(indicator_id=published.indicators[0].id, value=Decimal(4), female=Decimal(3),
                                   male=Decimal(1), under_18=Decimal(4))]
    approved.evidence = [ReportEvidence(kind="link", caption="Zork album", url="https://example.org/zork")]
    report = ProgressReport(pledge_id=published.id, period_start=date(2024, 7, 1), period_end=date(2025, 1, 1),
                            state=ReportState.draft, narrative="Quux.", author_id=admin.id)
    report.values = [ReportValue(indicator_id=published.indicators[0].id, value=Decimal(6))]
    db.session.add_all([approved, report])
    db.session.flush()
    for action in ("created", "submitted", "published", "report_approved"):
        record_event(published, admin, action, comment="Zork." if action == "report_approved" else "",
                     report=approved if action == "report_approved" else None)
    db.session.commit()
    return {"pledge": published, "draft": draft, "approved_report": approved, "report": report}


def fetch(client, url, lang):
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code in (200, 400, 404), url
    return response.text


def check(english: str, translated: str, lang: str, url: str) -> None:
    assert f'<html lang="{lang}">' in translated, url
    assert any(word in english for word in ("Zorn", "Zeta", "Quorra", "Zork")) or url in NO_USER_CONTENT, \
        f"{url}: the page shows none of the test data, so it may not be the page meant"
    assert CATALOGS[lang]["Language"] in visible_text(translated)
    left = english_left_behind(visible_text(english), visible_text(translated), lang)
    assert not left, f"{url} in {lang} still shows English: {left}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_are_translated(client, world, url, lang):
    url = url.format(w=world)
    check(fetch(client, url, "en"), fetch(client, url, lang), lang, url)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_signed_in_pages_are_translated(client, world, lang):
    client.post("/login", data={"email": world.admin.email, "password": PASSWORD})
    for url in (u.format(w=world) for u in SIGNED_IN_PAGES):
        world.admin.locale = "en"
        db.session.commit()
        english = fetch(client, url, "en")
        world.admin.locale = lang          # signed-in people get their profile's language
        db.session.commit()
        check(english, fetch(client, url, lang), lang, url)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_form_errors_are_translated(client, world, lang):
    data = {"name": "", "email": "bad", "password": "x", "confirm": "y"}
    english = client.post("/apply/organisation", data=data, headers={"Accept-Language": "en"}).text
    translated = client.post("/apply/organisation", data=data, headers={"Accept-Language": lang}).text
    check(english, translated, lang, "/apply/organisation (errors)")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_join_page_is_translated(client, world, make_user, lang):
    outsider = make_user("outsider@example.org", org=world.org, full_name="Zed Outsider")
    client.post("/login", data={"email": outsider.email, "password": PASSWORD})
    english = fetch(client, "/actiongroups/zeta/join", "en")
    outsider.locale = lang
    db.session.commit()
    check(english, fetch(client, "/actiongroups/zeta/join", lang), lang, "/actiongroups/zeta/join")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_new_partners_guide_and_next_steps_are_translated(client, world, make_org, make_user, lang):
    """The getting-started guide (account and home pages) and "Your next steps", as a new partner sees them."""
    from app.members.models import OrgRole

    newcomer = make_user("newcomer@example.org", org=make_org("Quorra Works"), full_name="Zed Newcomer")
    member = make_user("newmember@example.org", org=newcomer.organisation, role=OrgRole.member,
                       full_name="Zia Newmember")
    for person in (newcomer, member):
        client.post("/login", data={"email": person.email, "password": PASSWORD})
        for url in ("/", "/account"):
            person.locale = "en"
            db.session.commit()
            english = fetch(client, url, "en")
            assert "Getting started" in english, url
            person.locale = lang
            db.session.commit()
            check(english, fetch(client, url, lang), lang, url)
        client.post("/logout")
