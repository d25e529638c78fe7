"""``/profile/tokens``: a focal point's personal access tokens for the API (create, see once, revoke)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from app.api import tokens
from app.api.models import SCOPES, ApiToken
from app.extensions import db
from app.forms import EmptyForm, MultiCheckboxField, run_service
from app.utils import utcnow, whole_number

tokens_bp = Blueprint("api_tokens", __name__, template_folder="templates")


def _days(value) -> int:
    """The lifetime select's value through the bounded parser (a ValueError is an invalid choice)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = whole_number(value, 1, 365)
    if number is None:
        raise ValueError("not a lifetime")
    return number


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Give the token a name, e.g. the system that will use it.")),
                                               Length(max=tokens.NAME_MAX)])
    scopes = MultiCheckboxField(_l("What it may do"), default=["read"])
    days = SelectField(_l("Expires after"), coerce=_days, default=90)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [(key, f"{key}: {label}") for key, label in SCOPES.items()]
        self.days.choices = [(days, _("%(num)d days", num=days)) for days in tokens.LIFETIMES]


def _require_token_holder():
    if not tokens.can_have_tokens(current_user):
        abort(403)


@tokens_bp.route("/profile/tokens", methods=["GET", "POST"])
@login_required
def token_list():
    _require_token_holder()
    form = TokenForm()
    created = {}
    if form.validate_on_submit():
        def action():
            created["token"], created["secret"] = tokens.create_token(
                current_user, form.name.data, form.scopes.data, form.days.data)

        if run_service(action, None, form):
            # Shown once, on this page only: it is not stored and the page is never cached (no-store).
            return render_template("api/tokens.html", form=TokenForm(formdata=None), tokens=tokens.user_tokens(current_user),
                                   new=created["token"], secret=created["secret"], now=utcnow(), revoke_form=EmptyForm())
    return render_template("api/tokens.html", form=form, tokens=tokens.user_tokens(current_user), new=None,
                           secret=None, now=utcnow(), revoke_form=EmptyForm())


@tokens_bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        run_service(lambda: tokens.revoke_token(current_user, token), _("The token was revoked: it no longer works."))
    return redirect(url_for(".token_list"))
