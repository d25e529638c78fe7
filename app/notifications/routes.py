"""Views: the list of notifications, marking them read, and the delivery preferences."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.notifications import bp, services
from app.notifications.forms import MarkReadForm, OpenNotificationForm, chosen_deliveries, preferences_form
from app.notifications.kinds import SUBSCRIPTIONS
from app.utils import is_safe_next


@bp.route("")
@login_required
def index():
    page = db.paginate(services.notifications_of(current_user), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("notifications/index.html", page=page)


@bp.route("/read", methods=["POST"])
@login_required
def read_all():
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    count = services.mark_read(current_user)
    db.session.commit()
    if count:
        flash(_("All your notifications are marked as read."), "success")
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for("notifications.index"))


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    notification = services.get_notification(current_user, notification_id)
    if notification is None:  # someone else's looks exactly like one that doesn't exist
        abort(404)
    if not OpenNotificationForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user, [notification.id])
    db.session.commit()
    return redirect(notification.url if is_safe_next(notification.url) else url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    subscribed = {name: s.is_on(current_user) for name, s in SUBSCRIPTIONS.items()}
    closed = frozenset(name for name, s in SUBSCRIPTIONS.items()
                       if not subscribed[name] and not s.open_to(current_user))
    form = preferences_form(services.preferences_of(current_user), subscribed, closed)
    if form.validate_on_submit():
        services.set_preferences(current_user, chosen_deliveries(form))
        for name, subscription in SUBSCRIPTIONS.items():
            if name not in closed:
                subscription.set_on(current_user, bool(form[name].data))
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, subscriptions=SUBSCRIPTIONS.values())
