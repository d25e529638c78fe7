"""Views: the one-click unsubscribe (no sign-in), and the secretariat's newsletter page and preview."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import csrf, db
from app.forms import EmptyForm, run_service
from app.i18n import force_timezone
from app.members.decorators import admin_required
from app.newsletter import bp, services
from app.newsletter.forms import PeriodForm
from app.utils import utcnow


@bp.route("/newsletter/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" with no cookie and no form token
def unsubscribe(token: str):
    """GET asks (link checkers open links in e-mails: a GET must change nothing); POST unsubscribes the person the
    signed link was made for, whoever is signed in here."""
    try:
        person = services.read_unsubscribe_token(token)
    except services.UnsubscribeTokenInvalid as error:
        return render_template("newsletter/unsubscribe_invalid.html", reason=error.reason), 400
    if request.method == "POST":
        services.unsubscribe(person)
        db.session.commit()
        return render_template("newsletter/unsubscribed.html", person=person)
    return render_template("newsletter/unsubscribe.html", person=person, form=EmptyForm(),
                           subscribed=services.is_subscribed(person))


@bp.route("/admin/newsletter", methods=["GET", "POST"])
@admin_required
def manage():
    form = PeriodForm(data={"period": services.current_period()} if request.method == "GET" else None)
    if form.validate_on_submit():
        if run_service(lambda: services.set_period(form.period.data, current_user), _("Newsletter period saved."),
                       form):
            return redirect(url_for("newsletter.manage"))
    upcoming = services.next_issue(utcnow())
    return render_template("newsletter/manage.html", form=form, issues=services.recent_issues(),
                           subscribers=services.subscriber_count(), upcoming=upcoming,
                           languages=current_app.config["LANGUAGES"])


@bp.route("/admin/newsletter/preview")
@admin_required
def preview():
    """The next issue as it would go out now, in the language asked for (``?lang=fr``)."""
    languages = current_app.config["LANGUAGES"]
    lang = request.args.get("lang") or str(current_user.locale or "en")
    if lang not in languages:
        abort(404)
    issue = services.next_issue(utcnow())
    digest = services.build_digest(issue)
    digest.preload()
    with force_locale(lang), force_timezone(current_user.timezone):
        subject = str(services.issue_subject(issue))
        body = render_template("email/newsletter.txt", recipient=current_user,
                               **services.email_context(issue, digest, current_user, lang))
    return render_template("newsletter/preview.html", lang=lang, languages=languages, subject=subject, body=body,
                           digest=digest, issue=issue)
