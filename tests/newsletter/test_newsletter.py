"""The newsletter: what an issue lists in each language, when it goes and to whom, never twice, the one-click
unsubscribe, and who may preview it."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app import jobs
from app.commitments.models import Pledge, PledgeState
from app.events import OutboxEvent
from app.extensions import db
from app.forums.consultation_models import Audience, Consultation, ConsultationState
from app.forums.models import Forum, ForumSession
from app.knowledge.models import Resource, ResourceState
from app.multilingual.registry import KINDS
from app.notifications.kinds import KINDS as KINDS_OF_NOTIFICATION
from app.multilingual.services import save_translations
from app.news import services as news
from app.newsletter import services
from app.newsletter.models import EMPTY, SENT, NewsletterIssue, NewsletterSubscription
from app.utils import search_text_of

# The job's first run of December: the issue covers November (the first issue looks one period back).
NOW = datetime(2026, 12, 1, 7, 30, tzinfo=timezone.utc)
BEFORE = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def _body(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def people(make_user, make_org):
    org = make_org("Org")
    return {
        "admin": make_user("admin@example.org", org=org, admin=True),
        "en": make_user("en@example.org", org=org, locale="en", timezone="Europe/London"),
        "fr": make_user("fr@example.org", org=org, locale="fr", timezone="Asia/Bangkok"),
        "es": make_user("es@example.org", org=org, locale="es", timezone="America/Bogota"),
        "quiet": make_user("quiet@example.org", org=org),
    }


@pytest.fixture
def subscribed(people):
    for lang in ("en", "fr", "es"):
        services.subscribe(people[lang])
    db.session.commit()
    return people


def _news(people, title="Forum registration opens", body="Register **now**.", when=BEFORE, **extra):
    post = news.create_post(people["admin"], news.NewsData(title=title, body=body, **extra), now=when)
    db.session.commit()
    return post


def _content(people, now=NOW):
    """One of each kind listed: news (translated in French), a pledge and a resource published in November, a
    meeting open to all partners and a Forum session in December (by default: relative to ``now``)."""
    shift = now - NOW
    BEFORE = globals()["BEFORE"] + shift
    post = _news(people, when=BEFORE)
    save_translations(KINDS["news"], post, "fr", {"title": "Ouverture des inscriptions au Forum",
                                                 "body": "Inscrivez-vous **maintenant**."}, people["admin"])
    pledge = Pledge(organisation_id=people["en"].organisation_id, title="Train labour inspectors",
                    description="Two hundred inspectors.", state=PledgeState.published, published_at=BEFORE,
                    areas=["child_labour"], countries=["KEN"])
    pledge.search_text = search_text_of(pledge.title, pledge.description)
    draft = Pledge(organisation_id=people["en"].organisation_id, title="Draft pledge", state=PledgeState.draft)
    resource = Resource(title="Guide to due diligence", summary="A *short* guide.", resource_type="guidance",
                        state=ResourceState.published, published_at=BEFORE)
    forum = Forum(slug="forum-2027", title="Forum 2027", starts_on=date(2026, 12, 10) + shift, ends_on=date(2026, 12, 11) + shift,
                  is_published=True)
    session = ForumSession(forum=forum, title="Opening plenary", starts_at=datetime(2026, 12, 10, 9, tzinfo=timezone.utc) + shift,
                           ends_at=datetime(2026, 12, 10, 10, tzinfo=timezone.utc) + shift)
    meeting = Consultation(title="Supply chains call", purpose="Agree the guide.", audience=Audience.partners,
                           state=ConsultationState.scheduled, deadline_at=BEFORE,
                           starts_at=datetime(2026, 12, 15, 14, tzinfo=timezone.utc) + shift,
                           ends_at=datetime(2026, 12, 15, 15, tzinfo=timezone.utc) + shift)
    private = Consultation(title="Private call", audience=Audience.people, state=ConsultationState.scheduled,
                           deadline_at=BEFORE, starts_at=datetime(2026, 12, 16, 14, tzinfo=timezone.utc) + shift,
                           ends_at=datetime(2026, 12, 16, 15, tzinfo=timezone.utc) + shift)
    db.session.add_all([pledge, draft, resource, forum, session, meeting, private])
    db.session.commit()
    return dict(post=post, pledge=pledge, resource=resource, session=session, meeting=meeting)


def _newsletters():
    return list(db.session.scalars(sa.select(OutboxEvent).where(OutboxEvent.key.like("newsletter:%"))))


# -- content ----------------------------------------------------------------------------------------------------
def test_an_issue_lists_what_is_new_and_what_is_coming_in_each_readers_language(subscribed, outbox):
    _content(subscribed)
    assert jobs.send_newsletter(now=NOW) == 3
    by_reader = {m["To"]: m for m in outbox}
    assert set(by_reader) == {"en@example.org", "fr@example.org", "es@example.org"}
    english, french, spanish = (_body(by_reader[f"{lang}@example.org"]) for lang in ("en", "fr", "es"))
    for text in (english, french, spanish):
        for expected in ("Train labour inspectors", "Guide to due diligence", "Supply chains call", "Opening plenary"):
            assert expected in text
        assert "Draft pledge" not in text and "Private call" not in text
    assert "Forum registration opens" in english and "Ouverture" not in english
    assert "Ouverture des inscriptions au Forum" in french and "Inscrivez-vous maintenant." in french
    assert "Forum registration opens" not in french
    assert "Forum registration opens [en English]" in spanish  # the original, its language named
    # Times in each reader's zone: 14:00 UTC is 21:00 in Bangkok.
    assert "21:00" in french and "Asia/Bangkok" in french
    assert "Nouveaux engagements" in french and "Nuevos compromisos" in spanish
    assert by_reader["fr@example.org"]["Content-Language"] == "fr"
    assert "décembre" in by_reader["fr@example.org"]["Subject"]


def test_the_email_carries_a_one_click_unsubscribe_link(subscribed, outbox, client):
    _content(subscribed)
    jobs.send_newsletter(now=NOW)
    msg = next(m for m in outbox if m["To"] == "fr@example.org")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = msg["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://127.0.0.1:5000/newsletter/unsubscribe/")
    assert link in _body(msg)
    # The mail program's one-click POST: no cookie, no CSRF token (CSRF is on here, as in production).
    client.application.config["WTF_CSRF_ENABLED"] = True
    response = client.post(link[len("http://127.0.0.1:5000"):], data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not services.is_subscribed(subscribed["fr"])
    assert services.is_subscribed(subscribed["en"])


def test_an_issue_with_nothing_new_is_not_sent(subscribed, outbox):
    assert jobs.send_newsletter(now=NOW) == 0
    assert len(outbox) == 0
    issue = db.session.scalar(sa.select(NewsletterIssue))
    assert issue.state == EMPTY and issue.items == 0
    # Old things do not count: a post from before the period is not new.
    _news(subscribed, when=NOW - timedelta(days=60))
    assert jobs.send_newsletter(now=NOW + timedelta(days=31)) == 0
    assert len(outbox) == 0


def test_run_twice_it_sends_once(subscribed, outbox):
    _news(subscribed)
    assert jobs.send_newsletter(now=NOW) == 3
    assert jobs.send_newsletter(now=NOW) == 0
    assert jobs.send_newsletter(now=NOW + timedelta(days=3)) == 0  # same month
    assert sorted(m["To"] for m in outbox) == ["en@example.org", "es@example.org", "fr@example.org"]
    issue = db.session.scalar(sa.select(NewsletterIssue))
    assert issue.state == SENT and issue.recipients == 3


def test_killed_half_way_the_next_run_sends_the_rest_and_nothing_twice(subscribed, make_user, outbox, monkeypatch):
    for n in range(4):
        services.subscribe(make_user(f"more{n}@example.org"))
    db.session.commit()
    _news(subscribed)
    import app.newsletter.services as module

    real, calls = module.queue_email, []

    def dies_on_the_fifth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "queue_email", dies_on_the_fifth)
    monkeypatch.setattr(module, "BATCH", 2)
    with pytest.raises(KeyboardInterrupt):
        jobs.send_newsletter(now=NOW)
    db.session.rollback()
    assert len(_newsletters()) == 4  # two batches committed, the third lost with the worker
    monkeypatch.setattr(module, "queue_email", real)
    assert jobs.send_newsletter(now=NOW + timedelta(hours=1)) == 3
    addresses = [m["To"] for m in outbox]
    assert len(addresses) == 7 == len(set(addresses))
    assert db.session.scalar(sa.select(NewsletterIssue)).state == SENT


def test_the_next_issue_starts_where_the_last_one_ended(subscribed, outbox):
    _news(subscribed, title="November news")
    jobs.send_newsletter(now=NOW)
    _news(subscribed, title="December news", when=NOW + timedelta(days=5))
    outbox.clear()
    assert jobs.send_newsletter(now=datetime(2027, 1, 1, 7, 30, tzinfo=timezone.utc)) == 3
    text = _body(outbox[0])
    assert "December news" in text and "November news" not in text


def test_the_period_is_configurable(app, subscribed, outbox):
    app.config["NEWSLETTER_PERIOD"] = "weekly"
    _news(subscribed, when=NOW - timedelta(days=1))
    assert jobs.send_newsletter(now=NOW) == 3  # Tuesday 1 December: week 49
    _news(subscribed, title="Later", when=NOW + timedelta(days=2))
    assert jobs.send_newsletter(now=NOW + timedelta(days=3)) == 0   # still week 49
    assert jobs.send_newsletter(now=NOW + timedelta(days=6)) == 3   # Monday: week 50
    services.set_period("monthly", subscribed["admin"])
    assert services.current_period() == "monthly"


def test_only_approved_subscribers_get_it(subscribed, make_user, outbox):
    from app.members.models import UserStatus

    services.subscribe(make_user("suspended@example.org", status=UserStatus.suspended))
    db.session.commit()
    _news(subscribed)
    jobs.send_newsletter(now=NOW)
    assert "suspended@example.org" not in [m["To"] for m in outbox]
    assert "quiet@example.org" not in [m["To"] for m in outbox]


# -- the unsubscribe token ----------------------------------------------------------------------------------------
def test_unsubscribe_tokens_bad_expired_and_of_someone_else(app, subscribed):
    token = services.unsubscribe_token(subscribed["fr"], now=NOW)
    assert services.read_unsubscribe_token(token, now=NOW + timedelta(days=30)).id == subscribed["fr"].id
    with pytest.raises(services.UnsubscribeTokenInvalid) as bad:
        services.read_unsubscribe_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), now=NOW)
    assert bad.value.reason == "invalid"
    with pytest.raises(services.UnsubscribeTokenInvalid) as old:
        services.read_unsubscribe_token(token, now=NOW + timedelta(seconds=app.config["NEWSLETTER_UNSUBSCRIBE_MAX_AGE"] + 1))
    assert old.value.reason == "expired"
    # A token of another kind (a password reset) signed with another key says nothing about the newsletter.
    from app.members import tokens

    with pytest.raises(services.UnsubscribeTokenInvalid):
        services.read_unsubscribe_token(tokens.make_token(subscribed["en"], "reset", now=NOW), now=NOW)


def test_a_signed_in_person_following_someone_elses_link_unsubscribes_only_that_person(subscribed, client, login):
    login(subscribed["en"])
    token = services.unsubscribe_token(subscribed["fr"])
    page = client.get(f"/newsletter/unsubscribe/{token}")
    assert page.status_code == 200 and b"fr@example.org" in page.data
    assert services.is_subscribed(subscribed["fr"])  # a GET changes nothing (link checkers open links)
    assert client.post(f"/newsletter/unsubscribe/{token}").status_code == 200
    db.session.expire_all()
    assert not services.is_subscribed(subscribed["fr"])
    assert services.is_subscribed(subscribed["en"])


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoxfQ.aaaa.bbbb"])
def test_a_bad_unsubscribe_link_says_so(subscribed, client, token):
    for method in (client.get, client.post):
        response = method(f"/newsletter/unsubscribe/{token}")
        assert response.status_code == 400
        assert b"not valid" in response.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NewsletterSubscription)) == 3


# -- opting in ----------------------------------------------------------------------------------------------------
def test_opting_in_and_out_on_the_notification_settings_page(people, client, login):
    login(people["quiet"])
    page = client.get("/notifications/preferences")
    assert b'name="newsletter"' in page.data and b"checked" not in page.data.split(b'name="newsletter"')[1][:40]
    client.post("/notifications/preferences", data={"newsletter": "y"})
    assert services.is_subscribed(people["quiet"])
    assert b"checked" in client.get("/notifications/preferences").data.split(b'name="newsletter"')[0][-200:] + \
        client.get("/notifications/preferences").data.split(b'name="newsletter"')[1][:40]
    client.post("/notifications/preferences", data={kind: "daily" for kind in KINDS_OF_NOTIFICATION})
    assert not services.is_subscribed(people["quiet"])


def test_a_person_awaiting_approval_is_told_why_the_newsletter_box_is_closed(make_user, client, login):
    from app.members.models import UserStatus

    pending = make_user("pending@example.org", status=UserStatus.pending)
    login(pending)
    page = client.get("/notifications/preferences").text
    box = page.split('name="newsletter"')[0].rsplit("<input", 1)[1] + page.split('name="newsletter"')[1][:80]
    assert "disabled" in box
    assert "once your account is approved" in page
    response = client.post("/notifications/preferences", data={"newsletter": "y"}, follow_redirects=True)
    assert response.status_code == 200
    assert not services.is_subscribed(pending)


# -- the secretariat ----------------------------------------------------------------------------------------------
ROLES = ["anonymous", "partner", "admin"]


@pytest.mark.parametrize("role,code", list(zip(ROLES, [302, 403, 200])))
@pytest.mark.parametrize("url", ["/admin/newsletter", "/admin/newsletter/preview?lang=fr",
                                 "/admin/newsletter/preview?lang=es", "/admin/newsletter/preview"])
def test_only_the_secretariat_manages_and_previews(people, client, login, role, code, url):
    if role != "anonymous":
        login(people["admin" if role == "admin" else "en"])
    assert client.get(url).status_code == code


@pytest.mark.parametrize("role,code", list(zip(ROLES, [200, 200, 200])))
def test_the_unsubscribe_page_is_public_with_a_valid_token(subscribed, client, login, role, code):
    if role != "anonymous":
        login(subscribed["admin" if role == "admin" else "en"])
    token = services.unsubscribe_token(subscribed["es"])
    assert client.get(f"/newsletter/unsubscribe/{token}").status_code == code
    assert client.post(f"/newsletter/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == code


def test_the_preview_shows_the_next_issue_in_the_language_asked_for(people, client, login, outbox):
    from app.utils import utcnow

    _content(people, now=utcnow())  # the preview is of the issue that would go out now
    login(people["admin"])
    french = client.get("/admin/newsletter/preview?lang=fr").get_data(as_text=True)
    assert "Ouverture des inscriptions au Forum" in french and "Nouveaux engagements" in french
    assert 'lang="fr"' in french
    english = client.get("/admin/newsletter/preview?lang=en").get_data(as_text=True)
    assert "Forum registration opens" in english
    assert client.get("/admin/newsletter/preview?lang=de").status_code == 404
    assert len(outbox) == 0  # a preview sends nothing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NewsletterIssue)) == 0


def test_the_secretariat_sets_the_period(people, client, login):
    login(people["admin"])
    assert client.post("/admin/newsletter", data={"period": "weekly"}).status_code == 302
    assert services.current_period() == "weekly"
    assert client.post("/admin/newsletter", data={"period": "hourly"}).status_code == 200
    assert services.current_period() == "weekly"
