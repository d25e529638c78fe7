"""Consultation views: create, the poll page (grid, ranking, answers), personal links, the meeting (confirm,
reschedule, cancel, responses), minutes and action items."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.errors import DomainError
from app.extensions import db, limiter, login_manager
from app.forms import EmptyForm, run_service
from app.forums import bp, consultations, times
from app.forums.consultation_models import CHOICE_LABELS, RESPONSE_LABELS, Consultation, Invitee
from app.forums.forms import (
    ActionItemForm, AddSlotForm, CancelForm, ConsultationForm, CountriesForm, GuestForm, GuestZoneForm, InviteForm,
    MinutesForm, RemindersForm, RescheduleForm,
)
from app.forums.ical import google_link, outlook_link
from app.forums.routes import viewer_zone
from app.forums.services import clean_zone, to_utc
from app.i18n import read_in
from app.members.models import Organisation, OrganisationStatus
from app.utils import id_number, utcnow


def get_consultation_or_404(consultation_id: int) -> Consultation:
    consultation = consultations.load_consultation(consultation_id)
    if consultation is None:
        abort(404)
    if not consultation.can_view(current_user):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(404)
    return consultation


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _page(consultation: Consultation):
    return redirect(url_for(".consultation", consultation_id=consultation.id))


@bp.route("/consultations")
def consultation_list():
    """Every consultation and meeting the viewer may open: polls and meetings to come, then past ones (visitors
    see the public meetings). The "New consultation" button only for those who may convene."""
    now = utcnow()
    past = db.paginate(consultations.past_consultations(current_user, now),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("forums/consultations.html", now=now, past=past,
                           to_come=consultations.consultations_to_come(current_user, now, consultations.UPCOMING_MAX),
                           to_come_max=consultations.UPCOMING_MAX, can_convene=consultations.can_convene(current_user),
                           zone=viewer_zone() or "UTC")


@bp.route("/consultations/new", methods=["GET", "POST"])
@login_required
def consultation_create():
    _require(consultations.can_convene(current_user))
    groups = consultations.convened_groups(current_user)
    organisations = list(db.session.scalars(sa.select(Organisation).where(
        Organisation.status == OrganisationStatus.active).order_by(Organisation.name_key)))
    data = None
    if request.method == "GET":
        data = {"timezone": current_user.timezone if times.is_zone(current_user.timezone) else "UTC",
                "group_id": id_number(request.args.get("group")) or (groups[0].id if len(groups) == 1 else None),
                "audience": "group" if groups else "people"}
    form = ConsultationForm(data=data, groups=groups, organisations=organisations)
    if request.method == "GET":
        for entry in form.guests:
            entry.form.locale.data = _own_language()
    saved = {}
    if form.validate_on_submit():
        payload = consultations.ConsultationData(
            title=form.title.data or "", purpose=form.purpose.data or "", agenda=form.agenda.data or "",
            duration_minutes=form.duration_minutes.data, online_url=form.online_url.data or "",
            place=form.place.data or "", audience=form.audience.data or "", group_id=form.group_id.data,
            organisation_ids=form.organisation_ids.data or [], emails=form.emails.data or "",
            timezone=form.timezone.data or "", has_24h_clock=bool(form.has_24h_clock.data),
            slots=[(e.form.day.data, e.form.time.data) for e in form.slots],
            deadline_on=form.deadline_on.data, deadline_time=form.deadline_time.data,
            is_public=bool(form.is_public.data), countries=form.countries.data or [],
            guests=[consultations.GuestData(e.form.name.data or "", e.form.email.data or "", e.form.locale.data or "")
                    for e in form.guests])
        if run_service(lambda: saved.update(c=consultations.create_consultation(current_user, payload)),
                       _("The consultation was created and the invitations were sent."), form):
            return _page(saved["c"])
    return render_template("forums/consultation_form.html", form=form)


def _own_language() -> str:
    """The signed-in person's language: the default language of the e-mails of the guests they invite."""
    locale = getattr(current_user, "locale", None)
    return locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _context(consultation: Consultation, invitee: Invitee | None, *, via_link: str | None = None,
             guest_form: GuestForm | None = None) -> dict:
    now = utcnow()
    # A guest (through their link) is never taken for whoever is signed in in the same browser.
    manager = consultation.can_manage(current_user) and not (invitee is not None and invitee.is_guest)
    if invitee is not None and invitee.is_guest:
        zone = invitee.zone
    elif invitee is not None and times.is_zone(invitee.user.timezone):
        zone = invitee.user.timezone
    else:
        zone = viewer_zone() or consultation.timezone
    answers = {a.slot_id: a.choice.value for a in invitee.answers} if invitee else {}
    people = consultations.action_item_people(consultation) if manager and consultation.is_scheduled else []

    links = {}
    if consultation.has_meeting_time and not consultation.is_cancelled:
        url = consultations.meeting_url(consultation)
        links = {"google": google_link(consultation.title, consultation.starts_at, consultation.ends_at, url,
                                       consultation.place or consultation.online_url),
                 "outlook": outlook_link(consultation.title, consultation.starts_at, consultation.ends_at, url,
                                         consultation.place or consultation.online_url)}
    return dict(
        consultation=consultation, invitee=invitee, manager=manager, zone=zone, now=now,
        poll_open=consultations.poll_is_open(consultation, now), ranking=consultations.rank_slots(consultation),
        grid=consultations.grid(consultation) if manager or invitee is not None else [],
        answers=answers, choice_labels=CHOICE_LABELS, response_labels=RESPONSE_LABELS, form=EmptyForm(),
        via_link=via_link, invite_form=InviteForm(), cancel_form=CancelForm(),
        reminders_form=RemindersForm(data={
            "first_hours": next((m // 60 for m in consultation.reminder_minutes if m >= 120), None),
            "second_minutes": next((m for m in consultation.reminder_minutes if m < 120), None)}),
        action_form=ActionItemForm(people=people), minutes_form=MinutesForm(data={"minutes": consultation.minutes}),
        countries_form=CountriesForm(data={"countries": list(consultation.countries or [])}) if manager else None,
        answered=sum(1 for i in consultation.invitees if i.answered_at is not None), links=links,
        guest_form=guest_form or (GuestForm(prefix="guest", data={"locale": _own_language()}) if manager else None),
        zone_form=GuestZoneForm(data={"timezone": zone}) if via_link and invitee.is_guest else None,
        max_guests=consultations.MAX_GUESTS,
    )


@bp.route("/consultations/<int:consultation_id>")
def consultation(consultation_id: int):
    consultation = get_consultation_or_404(consultation_id)
    return render_template("forums/consultation.html", **_context(consultation, consultation.invitee_of(current_user)))


def _answers_from_form(consultation: Consultation) -> dict[int, str]:
    """The posted answers: "Yes to all", or each slot's choice ("" = unanswered, which takes an earlier
    answer back)."""
    if request.form.get("all") == "yes":
        return consultations.yes_to_all(consultation)
    return {slot.id: request.form.get(f"slot-{slot.id}", "") for slot in consultation.slots
            if f"slot-{slot.id}" in request.form}


@bp.route("/consultations/<int:consultation_id>/answer", methods=["POST"])
@login_required
def consultation_answer(consultation_id: int):
    consultation = get_consultation_or_404(consultation_id)
    if consultation.invitee_of(current_user) is None and not consultation.can_answer(current_user):
        abort(403)
    if EmptyForm().validate_on_submit():
        def action():
            invitee = consultations.join_open_poll(current_user, consultation)
            consultations.answer_poll(invitee, _answers_from_form(consultation), comment=request.form.get("comment"))

        run_service(action, _("Your answers were saved. You can change them until the poll closes."))
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/respond", methods=["POST"])
@login_required
def consultation_respond(consultation_id: int):
    consultation = get_consultation_or_404(consultation_id)
    invitee = consultation.invitee_of(current_user)
    if invitee is None:
        abort(403)
    if EmptyForm().validate_on_submit():
        run_service(lambda: consultations.respond(invitee, request.form.get("response", "")),
                    _("Your answer was sent to the convener."))
    return _page(consultation)


# -- personal links ------------------------------------------------------------------------------------------
def _link_limit() -> str:
    return current_app.config["PERSONAL_LINK_RATE_LIMIT"]


def _link_key() -> str:
    """Saves through one personal link are counted together, whoever sends them (a guest has no account)."""
    return f"personal-link:{(request.view_args or {}).get('invitee_id')}"


@bp.route("/c/<int:invitee_id>/<token>", methods=["GET", "POST"])
@limiter.limit(_link_limit, methods=["POST"], key_func=_link_key)
def personal_link(invitee_id: int, token: str):
    """The invitee's own page, reached without signing in: only their answers can change here. For a guest it
    is all they reach: the page links nowhere else, and the link signs nobody in."""
    invitee = consultations.invitee_by_link(invitee_id, token)
    if invitee is None:
        abort(404)
    consultation = consultations.load_consultation(invitee.consultation_id)
    invitee = next(i for i in consultation.invitees if i.id == invitee.id)
    if invitee.is_guest:
        read_in(invitee.guest_locale)  # the language of their e-mails, unless they switch
    if request.method == "POST" and EmptyForm().validate_on_submit():
        if request.form.get("action") == "zone":
            run_service(lambda: consultations.set_guest_zone(invitee, request.form.get("timezone", "")),
                        _("The times are now shown in your chosen time zone."))
        elif request.form.get("action") == "respond":
            run_service(lambda: consultations.respond(invitee, request.form.get("response", "")),
                        _("Your answer was sent to the convener."))
        else:
            run_service(lambda: consultations.answer_poll(invitee, _answers_from_form(consultation),
                                                          comment=request.form.get("comment")),
                        _("Your answers were saved. You can change them until the poll closes."))
        return redirect(url_for(".personal_link", invitee_id=invitee.id, token=token))
    response = render_template("forums/consultation.html",
                               **_context(consultation, invitee, via_link=request.path))
    return response, 200, {"Referrer-Policy": "no-referrer"}


@bp.route("/consultations/<int:consultation_id>/invitees/<int:invitee_id>/revoke", methods=["POST"])
@login_required
def invitee_revoke(consultation_id: int, invitee_id: int):
    consultation, invitee = _manager_and_invitee(consultation_id, invitee_id)
    if EmptyForm().validate_on_submit():
        run_service(lambda: consultations.revoke_link(current_user, invitee),
                    _("The personal link of %(name)s no longer works.", name=invitee.name))
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/invitees/<int:invitee_id>/new-link", methods=["POST"])
@login_required
def invitee_new_link(consultation_id: int, invitee_id: int):
    consultation, invitee = _manager_and_invitee(consultation_id, invitee_id)
    if EmptyForm().validate_on_submit():
        run_service(lambda: consultations.send_new_link(current_user, invitee),
                    _("A new personal link was e-mailed to %(name)s; the old one no longer works.",
                      name=invitee.name))
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/guests/new", methods=["GET", "POST"])
@login_required
def guest_add(consultation_id: int):
    """Invite a guest without a Hub account (the form is also on the consultation's page; a mistake comes back
    here, next to its field, with what was typed)."""
    consultation = _managed(consultation_id)
    form = GuestForm(prefix="guest", data={"locale": _own_language()} if request.method == "GET" else None)
    if form.validate_on_submit() and run_service(
            lambda: consultations.add_guest(current_user, consultation, consultations.GuestData(
                form.name.data or "", form.email.data or "", form.locale.data or "")),
            _("%(name)s was invited as a guest: an e-mail with their personal link is on its way.",
              name=" ".join((form.name.data or "").split())), form):
        return _page(consultation)
    return render_template("forums/guest_add.html", consultation=consultation, form=form,
                           max_guests=consultations.MAX_GUESTS)


@bp.route("/consultations/<int:consultation_id>/guests/<int:invitee_id>/remove", methods=["POST"])
@login_required
def guest_remove(consultation_id: int, invitee_id: int):
    consultation, invitee = _manager_and_invitee(consultation_id, invitee_id)
    if not invitee.is_guest:
        abort(404)
    name = invitee.guest_name
    if EmptyForm().validate_on_submit():
        run_service(lambda: consultations.remove_guest(current_user, invitee),
                    _("%(name)s is no longer invited; their personal link no longer works.", name=name))
    return _page(consultation)


def _manager_and_invitee(consultation_id: int, invitee_id: int) -> tuple[Consultation, Invitee]:
    consultation = get_consultation_or_404(consultation_id)
    _require(consultation.can_manage(current_user))
    invitee = next((i for i in consultation.invitees if i.id == invitee_id), None)
    if invitee is None:
        abort(404)
    return consultation, invitee


# -- the convener's actions -----------------------------------------------------------------------------------
def _managed(consultation_id: int) -> Consultation:
    consultation = get_consultation_or_404(consultation_id)
    _require(consultation.can_manage(current_user))
    return consultation


@bp.route("/consultations/<int:consultation_id>/invite", methods=["POST"])
@login_required
def consultation_invite(consultation_id: int):
    consultation = _managed(consultation_id)
    form = InviteForm()
    if form.validate_on_submit():
        run_service(lambda: consultations.add_invitees(current_user, consultation, form.emails.data or ""),
                    _("The invitations were sent."))
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/close", methods=["POST"])
@login_required
def consultation_close(consultation_id: int):
    consultation = _managed(consultation_id)
    if EmptyForm().validate_on_submit():
        run_service(lambda: consultations.close_poll(current_user, consultation),
                    _("The poll is closed. Choose the slot to confirm the meeting."))
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/remind", methods=["POST"])
@login_required
def consultation_remind(consultation_id: int):
    consultation = _managed(consultation_id)
    sent = {}
    if EmptyForm().validate_on_submit() and run_service(
            lambda: sent.update(n=consultations.remind_non_respondents(current_user, consultation)), None):
        flash(ngettext("%(num)d person who had not answered was reminded.",
                       "%(num)d people who had not answered were reminded.", sent["n"]) if sent["n"]
              else _("Nobody to remind: everyone has answered, or was reminded in the last 12 hours."), "success")
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/confirm", methods=["POST"])
@login_required
def consultation_confirm(consultation_id: int):
    consultation = _managed(consultation_id)
    slot = next((s for s in consultation.slots if s.id == id_number(request.form.get("slot_id"))), None)
    if slot is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        run_service(lambda: consultations.confirm_slot(current_user, consultation, slot),
                    _("The meeting is scheduled: every invitee got a calendar invitation."))
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/slots/new", methods=["GET", "POST"])
@login_required
def slot_add(consultation_id: int):
    """Add a slot to the open poll, in any zone (the consultation's by default)."""
    consultation = _managed(consultation_id)
    form = AddSlotForm(data={"timezone": consultation.timezone} if request.method == "GET" else None)
    if form.validate_on_submit() and run_service(
            lambda: consultations.add_slot(current_user, consultation, form.day.data, form.start.data, form.end.data,
                                           form.timezone.data),
            _("The slot was added. Invitees who had answered were told."), form):
        return _page(consultation)
    return render_template("forums/slot_add.html", consultation=consultation, form=form)


@bp.route("/consultations/<int:consultation_id>/slots/<int:slot_id>/remove", methods=["GET", "POST"])
@login_required
def slot_remove(consultation_id: int, slot_id: int):
    """Remove a slot of the open poll; when invitees answered it, after the convener confirms (this page)."""
    consultation = _managed(consultation_id)
    slot = next((s for s in consultation.slots if s.id == slot_id), None)
    if slot is None:
        abort(404)
    form = EmptyForm()
    confirmed = request.form.get("confirm") == "1"
    if form.validate_on_submit() and (confirmed or not slot.answers):
        run_service(lambda: consultations.remove_slot(current_user, consultation, slot, confirmed=confirmed),
                    _("The slot was removed. The invitees who had answered it were told; their other answers "
                      "are kept."))
        return _page(consultation)
    zone = viewer_zone() or consultation.timezone
    return render_template("forums/slot_remove.html", consultation=consultation, slot=slot, form=form, zone=zone,
                           answered=[a.invitee for a in slot.answers])


@bp.route("/consultations/<int:consultation_id>/reschedule", methods=["GET", "POST"])
@login_required
def consultation_reschedule(consultation_id: int):
    consultation = _managed(consultation_id)
    if not consultation.is_scheduled:
        abort(404)
    zone = viewer_zone() or consultation.timezone
    data = None
    if request.method == "GET":
        local = times.in_zone(consultation.starts_at, zone)
        data = {"day": local.date(), "time": local.time(), "timezone": zone,
                "duration_minutes": consultation.duration_minutes}
    form = RescheduleForm(data=data)
    if form.validate_on_submit():
        def action():
            if form.day.data is None or form.time.data is None:
                raise DomainError(_("Enter the new date and start time."), field="day")
            start = to_utc(form.day.data, form.time.data, clean_zone(form.timezone.data), "day")
            consultations.reschedule(current_user, consultation, start, form.duration_minutes.data,
                                     form.message.data or "")

        if run_service(action, _("The meeting was moved: every invitee got the updated invitation."), form):
            return _page(consultation)
    return render_template("forums/reschedule.html", form=form, consultation=consultation, zone=zone)


@bp.route("/consultations/<int:consultation_id>/cancel", methods=["POST"])
@login_required
def consultation_cancel(consultation_id: int):
    consultation = _managed(consultation_id)
    form = CancelForm()
    if form.validate_on_submit():
        run_service(lambda: consultations.cancel(current_user, consultation, form.reason.data or ""),
                    _("The consultation was cancelled and the invitees were told."))
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/countries", methods=["POST"])
@login_required
def consultation_countries(consultation_id: int):
    consultation = _managed(consultation_id)
    form = CountriesForm()
    if form.validate_on_submit():
        run_service(lambda: consultations.set_countries(current_user, consultation, form.countries.data or []),
                    _("The countries were saved."))
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/reminders", methods=["POST"])
@login_required
def consultation_reminders(consultation_id: int):
    consultation = _managed(consultation_id)
    form = RemindersForm()
    if form.validate_on_submit():
        run_service(lambda: consultations.set_reminders(current_user, consultation, form.first_hours.data,
                                                        form.second_minutes.data), _("The reminders were saved."))
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/minutes", methods=["POST"])
@login_required
def consultation_minutes(consultation_id: int):
    consultation = _managed(consultation_id)
    form = MinutesForm()
    if form.validate_on_submit():
        run_service(lambda: consultations.save_minutes(current_user, consultation, form.minutes.data or "",
                                                       send=bool(form.send.data)),
                    _("The minutes were saved.") + (" " + _("They were e-mailed to the invitees.")
                                                    if form.send.data else ""))
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/actions", methods=["POST"])
@login_required
def consultation_action_add(consultation_id: int):
    consultation = _managed(consultation_id)
    form = ActionItemForm(people=consultations.action_item_people(consultation))
    if form.validate_on_submit():
        run_service(lambda: consultations.add_action_item(current_user, consultation, form.title.data or "",
                                                          form.responsible_id.data, form.due_date.data),
                    _("The action item was added.") + (" " + _("It is on the group's work plan.")
                                                       if consultation.group else ""))
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
    return _page(consultation)


@bp.route("/consultations/<int:consultation_id>/actions/<int:item_id>/done", methods=["POST"])
@login_required
def consultation_action_done(consultation_id: int, item_id: int):
    consultation = _managed(consultation_id)
    item = next((i for i in consultation.action_items if i.id == item_id), None)
    if item is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        run_service(lambda: consultations.set_action_done(current_user, item, request.form.get("done") != "0"),
                    _("The action item was updated."))
    return _page(consultation)
