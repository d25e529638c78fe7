"""Demo content for the Forum and consultations: the 2027 Partnership Forum in Geneva (three days, about 30
sessions in tracks and rooms, each about a country, some registrations and agendas), the 2025 edition (over:
its registrants checked in at the venue, or not), two consultations of the Supply Chains group convened by
focal@unodwp.example.org (an open poll with answers, and a confirmed public meeting), and past meetings of
every group, most with minutes. Safe to run again."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from app.actiongroups.models import ActionGroup
from app.extensions import db
from app.forums import consultations, services
from app.forums.consultation_models import Consultation
from app.forums.models import Forum
from app.mail import discard_queued_emails
from app.members.models import User, UserStatus
from app.utils import utcnow

SLUG = "forum-2027"
CONVENER = "focal@unodwp.example.org"
TRACKS = ["Supply chains", "Migration", "Rule of law", "Conflict and humanitarian settings"]
ROOMS = ["Assembly Hall", "Room XVII", "Room XX", "Room XXIV"]
DAY_PLAN = [  # (start, end, kind, room index, track index or None, title)
    ((9, 0), (10, 30), "plenary", 0, None, "Opening plenary: {theme}"),
    ((11, 0), (12, 30), "panel", 1, 0, "Due diligence that reaches the farm: {country}"),
    ((11, 0), (12, 30), "panel", 2, 1, "Fair recruitment corridors: {country}"),
    ((11, 0), (12, 30), "workshop", 3, 2, "Labour inspection toolkit ({country})"),
    ((13, 0), (14, 0), "side_event", 1, 3, "Side event: children in armed conflict, {country}"),
    ((14, 30), (16, 0), "workshop", 2, 0, "Workshop: mapping risks in {country}'s cocoa and cotton"),
    ((14, 30), (16, 0), "panel", 3, 1, "Migrant workers' voice: {country}"),
    ((16, 30), (17, 30), "panel", 1, 2, "Pathfinder countries report: {country}"),
    ((16, 30), (18, 0), "workshop", 3, 3, "Humanitarian response and trafficking ({country})"),
    ((18, 0), (19, 0), "plenary", 0, None, "Closing of the day: pledges announced"),
]
THEMES = ["ending child labour by 2025 and after", "forced labour in supply chains", "the road to 2030"]
COUNTRIES = [["Côte d'Ivoire", "Nepal", "Guatemala", "Bangladesh", "Uganda", "Peru", "Viet Nam", "Morocco", "Sri Lanka"],
             ["Ghana", "Philippines", "Colombia", "India", "Kenya", "Mexico", "Indonesia", "Senegal", "Brazil"],
             ["Burkina Faso", "Pakistan", "Paraguay", "Cambodia", "Ethiopia", "Chile", "Malawi", "Tunisia", "Fiji"]]
# The countries named in the sessions' titles (the sessions are about them: their country pages list them).
COUNTRY_CODES = {"Côte d'Ivoire": "CIV", "Nepal": "NPL", "Guatemala": "GTM", "Bangladesh": "BGD", "Uganda": "UGA",
                 "Peru": "PER", "Viet Nam": "VNM", "Morocco": "MAR", "Sri Lanka": "LKA", "Ghana": "GHA",
                 "Philippines": "PHL", "Colombia": "COL", "India": "IND", "Kenya": "KEN", "Mexico": "MEX",
                 "Indonesia": "IDN", "Senegal": "SEN", "Brazil": "BRA", "Burkina Faso": "BFA", "Pakistan": "PAK",
                 "Paraguay": "PRY", "Cambodia": "KHM", "Ethiopia": "ETH", "Chile": "CHL", "Malawi": "MWI",
                 "Tunisia": "TUN", "Fiji": "FJI"}
SPEAKERS = [("Amina Diallo", "Ministry of Labour"), ("Jonas Berg", "ILO"), ("María Quispe", "Workers' union"),
            ("Chen Wei", "Employers' federation"), ("Priya Nair", "UNICEF"), ("Samuel Okoro", "Civil society")]


def seed_forum(now: datetime | None = None) -> int:
    """Create the demo Forum edition and consultations if missing; return how many things were created."""
    now = now or utcnow()
    created = 0
    admin = db.session.scalar(sa.select(User).where(User.is_admin.is_(True), User.status == UserStatus.active)
                              .order_by(User.id))
    convener = db.session.scalar(sa.select(User).where(User.email == CONVENER))
    if admin is None or convener is None:
        return 0
    forum = db.session.scalar(sa.select(Forum).where(Forum.slug == SLUG))
    if forum is None:
        forum = _forum(admin, now)
        created += 1
    _session_countries(forum)
    if db.session.scalar(sa.select(Forum.id).where(Forum.slug == PAST_SLUG)) is None:
        _past_forum(admin, now)
        created += 1
    group = db.session.scalar(sa.select(ActionGroup).where(ActionGroup.slug == "supply-chains"))
    if group is not None:
        created += _consultations(convener, group, now)
    created += _past_meetings(admin, now)
    _consultation_countries()
    discard_queued_emails()  # demo data sends no e-mail
    db.session.flush()
    return created


def _forum(admin: User, now: datetime) -> Forum:
    first = date(2027, 6, 14)
    forum = services.create_forum(admin, services.ForumData(
        title="Partnership Forum 2027", slug=SLUG, starts_on=first, ends_on=first + timedelta(days=2),
        timezone="Europe/Zurich", venue_name="Palais des Nations", venue_address="Avenue de la Paix 14, 1211 Genève",
        online_url="https://webtv.example.org/forum-2027", capacity=400, is_published=True,
        registration_closes_on=first - timedelta(days=7), registration_closes_time=time(18, 0),
        description="The yearly meeting of Alliance 8.7's partners: three days of plenaries, panels and workshops "
                    "on ending child labour, forced labour, modern slavery and human trafficking.\n\n"
                    "Register, then build **your agenda** from the programme.",
        tracks=TRACKS, rooms=ROOMS), now=now)
    for d in range(3):
        for n, (start, end, kind, room, track, title) in enumerate(DAY_PLAN):
            country = COUNTRIES[d][n % len(COUNTRIES[d])]
            speakers = [services.SpeakerData(*SPEAKERS[(d + n + k) % len(SPEAKERS)]) for k in range(2 if kind != "plenary" else 3)]
            services.create_session(admin, forum, services.SessionData(
                title=title.format(theme=THEMES[d], country=country), day=first + timedelta(days=d),
                start=time(*start), end=time(*end), kind=kind, room_id=forum.rooms[room].id,
                track_id=forum.tracks[track].id if track is not None else None,
                capacity=30 if kind == "workshop" else None,
                countries=[COUNTRY_CODES[country]] if "{country}" in title else [],
                description="What works, what does not, and who will do what next.", speakers=speakers), now=now)
    people = list(db.session.scalars(sa.select(User).where(User.status == UserStatus.active).order_by(User.id).limit(12)))
    register_at = min(now, forum.registration_closes_at - timedelta(days=1))
    sessions = sorted(forum_sessions(forum), key=lambda s: s.starts_at)
    for i, person in enumerate(people):
        services.register(person, forum, now=register_at)
        for session in sessions[i % 3::7][:3]:
            if session.needs_registration:
                services.register(person, forum, session, now=register_at)
            else:
                services.add_to_agenda(person, session, now=register_at)
    return forum


def forum_sessions(forum: Forum):
    from app.forums.models import ForumSession

    return db.session.scalars(sa.select(ForumSession).where(ForumSession.forum_id == forum.id))


def _consultations(convener: User, group: ActionGroup, now: datetime) -> int:
    have = set(db.session.scalars(sa.select(Consultation.title).where(Consultation.group_id == group.id)))
    created = 0
    base = (now + timedelta(days=10)).date()
    if "Due diligence guidance: next steps" not in have:
        poll = consultations.create_consultation(convener, consultations.ConsultationData(
            title="Due diligence guidance: next steps", purpose="Agree how the group finishes its guidance.",
            agenda="1. Comments received\n2. Pilot countries\n3. Timeline", duration_minutes=60,
            online_url="https://meet.example.org/supply-chains", audience="group", group_id=group.id,
            timezone="Europe/Zurich",
            slots=[(base, time(9, 0)), (base, time(14, 0)), (base + timedelta(days=1), time(16, 0)),
                   (base + timedelta(days=2), time(21, 0))],
            deadline_on=base - timedelta(days=3), deadline_time=time(12, 0),
            # A guest without an account (an ILO field officer, say), who reads French and has answered.
            guests=[consultations.GuestData("Aïcha Diallo", "aicha.diallo@field.example.net", "fr")]), now=now)
        for k, invitee in enumerate(i for i in poll.invitees if i.user_id != convener.id):
            if k < 2 or invitee.is_guest:
                consultations.answer_poll(invitee, {s.id: ("yes", "maybe", "no", "yes")[(j + k) % 4]
                                                    for j, s in enumerate(poll.slots)}, now=now)
        created += 1
    if "Supply Chains: quarterly meeting" not in have:
        meeting = consultations.create_consultation(convener, consultations.ConsultationData(
            title="Supply Chains: quarterly meeting", purpose="Review the work plan and the Forum session.",
            agenda="1. Work plan\n2. Forum 2027 workshop", duration_minutes=90,
            online_url="https://meet.example.org/supply-chains-q", audience="group", group_id=group.id,
            timezone="Europe/Zurich", is_public=True,
            slots=[(base - timedelta(days=5), time(15, 0)), (base - timedelta(days=4), time(10, 0))],
            deadline_on=base - timedelta(days=8), deadline_time=time(12, 0)), now=now)
        consultations.confirm_slot(convener, meeting, meeting.slots[0], now=now)
        created += 1
    return created


def _session_countries(forum: Forum) -> None:
    """Sessions of the demo edition made before sessions had countries get the country of their title."""
    from app.forums.models import ForumSession

    for session in db.session.scalars(sa.select(ForumSession).where(ForumSession.forum_id == forum.id)):
        if not session.countries:
            codes = [code for name, code in COUNTRY_CODES.items() if name in session.title]
            if codes:
                session.countries = codes[:1]


def _consultation_countries() -> None:
    """Consultations made before they had countries are about their group's focus countries (as new ones)."""
    for consultation in db.session.scalars(sa.select(Consultation).where(Consultation.group_id.is_not(None))):
        if not consultation.countries and consultation.group.focus_countries:
            consultation.countries = sorted(consultation.group.focus_countries)


# -- the 2025 edition: over, with attendance --------------------------------------------------------------------
PAST_SLUG = "forum-2025"
PAST_PLAN = [  # (day, start, end, kind, room index, track index or None, capacity, title, country code)
    (0, (9, 0), (10, 0), "plenary", 0, None, None, "Opening plenary: ten years of Alliance 8.7", None),
    (0, (10, 30), (12, 0), "workshop", 1, 0, 20, "Workshop: living incomes for cocoa farmers in Ghana", "GHA"),
    (0, (10, 30), (12, 0), "panel", 2, 1, None, "Panel: fair recruitment from Nepal to the Gulf", "NPL"),
    (0, (14, 0), (15, 30), "workshop", 1, 2, 15, "Workshop: labour inspection in Peru's informal mining", "PER"),
    (0, (14, 0), (15, 30), "side_event", 2, 3, None, "Side event: reintegrating children formerly associated "
                                                        "with armed groups in Cameroon", "CMR"),
    (1, (9, 30), (11, 0), "workshop", 1, 0, 12, "Workshop: traceability in Bangladesh's garment sector", "BGD"),
    (1, (11, 30), (13, 0), "panel", 2, 1, None, "Panel: Mexico's temporary labour migration programmes", "MEX"),
    (1, (15, 0), (16, 0), "plenary", 0, None, None, "Closing plenary: pledges for 2026", None),
]


def _past_forum(admin: User, now: datetime) -> Forum:
    """The 2025 edition, a year before: most registrants were checked in at the venue."""
    from app.forums.models import RegistrationState

    first = date(2025, 11, 12)
    before = datetime.combine(first - timedelta(days=40), time(9, 0), tzinfo=timezone.utc)
    forum = services.create_forum(admin, services.ForumData(
        title="Partnership Forum 2025", slug=PAST_SLUG, starts_on=first, ends_on=first + timedelta(days=1),
        timezone="Africa/Addis_Ababa", venue_name="United Nations Conference Centre",
        venue_address="Menelik II Avenue, Addis Ababa", capacity=40, is_published=True,
        registration_closes_on=first - timedelta(days=5), registration_closes_time=time(18, 0),
        description="Two days on what ten years of Alliance 8.7 have taught its partners.",
        tracks=TRACKS, rooms=["Africa Hall", "Room 1", "Room 2"]), now=before)
    sessions = []
    for day, start, end, kind, room, track, capacity, title, country in PAST_PLAN:
        sessions.append(services.create_session(admin, forum, services.SessionData(
            title=title, day=first + timedelta(days=day), start=time(*start), end=time(*end), kind=kind,
            room_id=forum.rooms[room].id, track_id=forum.tracks[track].id if track is not None else None,
            capacity=capacity, countries=[country] if country else [],
            description="What the partners learnt, and what they will do next.",
            speakers=[services.SpeakerData(*SPEAKERS[(day + room + k) % len(SPEAKERS)]) for k in range(2)]),
            now=before))
    people = list(db.session.scalars(sa.select(User).where(User.status == UserStatus.active).order_by(User.id)
                                     .limit(16)))
    workshops = [s for s in sessions if s.capacity]
    at_the_venue = datetime.combine(first, time(7, 30), tzinfo=timezone.utc)
    for i, person in enumerate(people):
        registration = services.register(person, forum, now=before + timedelta(hours=i))
        chosen = [workshops[i % len(workshops)]] if i % 4 != 3 else []
        session_registrations = [services.register(person, forum, s, now=before + timedelta(hours=i, minutes=5))
                                 for s in chosen]
        if i % 5 == 4:
            continue  # registered, never came
        services.mark_attended(admin, registration, now=at_the_venue + timedelta(minutes=3 * i))
        for r in session_registrations:
            if r.state is RegistrationState.registered and i % 5 != 1:
                services.mark_attended(admin, r, now=r.session.starts_at)
    return forum


# -- past meetings of every group ---------------------------------------------------------------------------------
PAST_MEETINGS = [  # (group slug, days ago, title, minutes or "", public)
    ("supply-chains", 95, "Supply Chains: annual review", "The group agreed its work plan for the year.\n\n"
     "- Guidance on due diligence: first draft by March.\n- Pilot countries: Côte d'Ivoire and Ghana.", False),
    ("supply-chains", 40, "Supply Chains: cocoa working group", "Findings of the Ghana pilot were discussed.", False),
    ("migration", 70, "Migration: recruitment fees", "Partners shared their codes of conduct on fees.", False),
    ("migration", 20, "Migration: corridor partners", "", False),
    ("rule-of-law-governance", 55, "Rule of Law & Governance: labour inspection peer exchange",
     "Inspectorates of Colombia and Peru compared their mining strategies.", True),
    ("conflict-humanitarian-settings", 120, "Conflict & Humanitarian Settings: reintegration of children",
     "The group reviewed reintegration programmes in Cameroon.", False),
    ("conflict-humanitarian-settings", -15, "Conflict & Humanitarian Settings: open briefing", "", True),
]


def _past_meetings(admin: User, now: datetime) -> int:
    """Meetings of every group (one still to come), held through consultations and confirmed; most with minutes."""
    groups = {g.slug: g for g in db.session.scalars(sa.select(ActionGroup))}
    have = set(db.session.scalars(sa.select(Consultation.title)))
    created = 0
    for slug, days_ago, title, minutes, public in PAST_MEETINGS:
        group = groups.get(slug)
        if group is None or title in have:
            continue
        day = (now - timedelta(days=days_ago)).date()
        asked = now - timedelta(days=days_ago + 21)
        meeting = consultations.create_consultation(admin, consultations.ConsultationData(
            title=title, purpose="The group's regular meeting.", agenda="1. Work plan\n2. Any other business",
            duration_minutes=90, online_url="https://meet.example.org/" + slug, audience="group", group_id=group.id,
            timezone="UTC", is_public=public, slots=[(day, time(13, 0)), (day + timedelta(days=1), time(13, 0))],
            deadline_on=day - timedelta(days=7), deadline_time=time(12, 0)), now=asked)
        consultations.confirm_slot(admin, meeting, meeting.slots[0], now=asked + timedelta(days=15))
        if minutes and days_ago > 0:
            consultations.save_minutes(admin, meeting, minutes, now=meeting.ends_at + timedelta(hours=2))
        created += 1
    return created
