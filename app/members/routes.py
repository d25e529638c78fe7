"""Views: directory, applications, sign-in, passwords, invitations, profiles."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from app.errors import DomainError
from app.extensions import db, limiter
from app.forms import EmptyForm, run_service
from app.members import bp, services, tokens
from app.members.forms import (
    ApplyOrganisationForm, ChangePasswordForm, ForgotPasswordForm, JoinOrganisationForm, LoginForm,
    OrganisationForm, ProfileForm, SetPasswordForm,
)
from app.members.models import Organisation, OrganisationStatus, StakeholderType, User, UserStatus
from app.i18n import chosen_language, country_name, is_country, remember_language, viewer_today
from app.members.guide import guide_for
from app.members.overview import organisation_overview
from app.policy import belongs_to
from app.utils import fold, id_number, is_safe_next, like_pattern


def get_organisation_or_404(org_id: int) -> Organisation:
    """Load an organisation the current visitor may see.

    :raise 404: if it doesn't exist, or isn't public and the visitor is neither its member nor admin.
    """
    org = db.session.get(Organisation, org_id)
    if org is None or not org.can_view(current_user):
        abort(404)
    return org


def active_organisations() -> list[Organisation]:
    return list(db.session.scalars(
        sa.select(Organisation).where(Organisation.status == OrganisationStatus.active)
        .order_by(Organisation.name_key)))


# -- directory ------------------------------------------------------------------------------------
@bp.route("/organisations")
def directory():
    query = sa.select(Organisation).where(Organisation.status == OrganisationStatus.active)
    q = request.args.get("q", "").strip()[:100]
    stakeholder = request.args.get("type", "")
    country = request.args.get("country", "")
    if q:
        # The folded key makes the search ignore case and accents: "societe" finds "Société".
        pattern = like_pattern(fold(q))
        query = query.where(sa.or_(Organisation.name_key.like(pattern, escape="\\"),
                                   sa.func.lower(Organisation.acronym).like(pattern, escape="\\")))
    if stakeholder in StakeholderType.__members__:
        query = query.where(Organisation.stakeholder_type == StakeholderType(stakeholder))
    if is_country(country):
        query = query.where(Organisation.country_code == country)
    page = db.paginate(query.order_by(Organisation.name_key), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    codes = db.session.scalars(
        sa.select(sa.distinct(Organisation.country_code)).where(Organisation.status == OrganisationStatus.active)
    ).all()
    countries = sorted(((code, country_name(code)) for code in codes), key=lambda item: fold(item[1]))
    return render_template("members/directory.html", page=page, q=q, stakeholder=stakeholder,
                           country=country, countries=countries)


@bp.route("/organisations/<int:org_id>")
def organisation(org_id: int):
    org = get_organisation_or_404(org_id)
    overview = organisation_overview(org, current_user, viewer_today())
    mine = belongs_to(current_user, org.id)
    return render_template("members/organisation.html", org=org, overview=overview, mine=mine)


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(org_id: int):
    org = get_organisation_or_404(org_id)
    if not org.can_edit(current_user):
        abort(403)
    form = OrganisationForm(obj=org if request.method == "GET" else None)
    if form.validate_on_submit() and run_service(
            lambda: services.update_organisation(current_user, org, _org_data(form)),
            _("The organisation's profile was saved."), form):
        return redirect(url_for("members.organisation", org_id=org.id))
    return render_template("members/edit_organisation.html", form=form, org=org)


@bp.route("/organisations/<int:org_id>/members")
@login_required
def organisation_members(org_id: int):
    org = get_organisation_or_404(org_id)
    if not org.can_view_members(current_user):
        abort(403)
    people = db.session.scalars(org.users.select().where(User.status == UserStatus.active)
                                .order_by(User.full_name)).all()
    return render_template("members/organisation_members.html", org=org, people=people)


# -- applications -------------------------------------------------------------------------------------
def _org_data(form) -> services.OrganisationData:
    return services.OrganisationData(
        name=form.name.data or "", stakeholder_type=form.stakeholder_type.data or "",
        country_code=form.country_code.data or "", acronym=form.acronym.data or "",
        website=form.website.data or "", description=form.description.data or "")


def _person_data(form) -> services.PersonData:
    return services.PersonData(
        full_name=form.full_name.data or "", email=form.email.data or "", job_title=form.job_title.data or "",
        timezone=form.timezone.data or "UTC", locale=form.locale.data or "en")


def _redirect_signed_in():
    if current_user.is_authenticated:
        flash(_("You are already signed in."), "info")
        return redirect(url_for("members.account"))
    return None


@bp.route("/apply")
def apply():
    return _redirect_signed_in() or render_template("members/apply.html")


@bp.route("/apply/organisation", methods=["GET", "POST"])
def apply_organisation():
    if (response := _redirect_signed_in()) is not None:
        return response
    form = ApplyOrganisationForm()
    if request.method == "GET":
        form.locale.data = str(_current_locale())
    if form.validate_on_submit() and run_service(
            lambda: services.apply_with_new_organisation(_org_data(form), _person_data(form), form.password.data),
            None, form):
        return render_template("members/applied.html", email=services.normalise_email(form.email.data))
    return render_template("members/apply_organisation.html", form=form)


@bp.route("/apply/join", methods=["GET", "POST"])
def apply_join():
    if (response := _redirect_signed_in()) is not None:
        return response
    form = JoinOrganisationForm(organisations=active_organisations())
    if request.method == "GET":
        form.locale.data = str(_current_locale())
        chosen = id_number(request.args.get("organisation"))
        if chosen:
            form.organisation_id.data = chosen
    if form.validate_on_submit():
        org = db.session.get(Organisation, form.organisation_id.data)

        def apply():
            if org is None:
                raise DomainError(_("Choose your organisation."), field="organisation_id")
            services.apply_to_join(org, _person_data(form), form.password.data)

        if run_service(apply, None, form):
            return render_template("members/applied.html", email=services.normalise_email(form.email.data))
    return render_template("members/apply_join.html", form=form)


def _current_locale():
    from flask_babel import get_locale

    return get_locale() or "en"


# -- sign in and out ------------------------------------------------------------------------------------
def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _account_and_address() -> str:
    """Failed sign-ins are counted per account *and* address, never per account alone: a stranger guessing
    from their own address slows themselves down, and cannot lock the owner out from another one. The
    count starts again when the password changes (a password reset lets the owner in at once)."""
    email = services.normalise_email(request.form.get("email", ""))
    user = services.find_user_by_email(email)
    state = tokens.fingerprint(user) if user is not None else "-"
    return f"login:{fold(email)}:{state}:{get_remote_address()}"


def _failed(response) -> bool:
    # A successful sign-in redirects; a refused one shows the form again.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, key_func=_account_and_address)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("members.account"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            target = request.args.get("next")
            # A language picked with the switcher just before signing in is a fresh, explicit
            # choice: it becomes the profile's language (the profile page keeps the two in step).
            if (chosen := chosen_language()) and chosen != user.locale:
                user.locale = chosen
            # A new session on sign-in: nothing from before survives (session fixation).
            session.clear()
            login_user(user, remember=form.remember.data)
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.full_name), "success")
            return redirect(target if is_safe_next(target) else url_for("members.account"))
    return render_template("members/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
    return redirect(url_for("pages.home"))


# -- passwords ------------------------------------------------------------------------------------------
@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        # Same answer whether or not the address has an account.
        flash(_("If an active account uses %(email)s, we have sent it a link to choose a new password.",
                email=form.email.data), "info")
        return redirect(url_for("members.login"))
    return render_template("members/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_token(token, "reset")
    except DomainError as exc:
        return render_template("members/token_problem.html", message=str(exc),
                               again_url=url_for("members.forgot_password")), 400
    form = SetPasswordForm()
    if form.validate_on_submit() and run_service(
            lambda: services.reset_password(token, form.password.data),
            _("Your password was changed. Sign in with the new one."), form):
        logout_user()
        return redirect(url_for("members.login"))
    return render_template("members/reset_password.html", form=form)


@bp.route("/password/change", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit() and run_service(
            lambda: services.change_password(current_user, form.current_password.data, form.password.data),
            _("Your password was changed. Other devices have been signed out."), form):
        # The session token rotated; sign this session in again so only others are signed out.
        login_user(current_user._get_current_object())
        return redirect(url_for("members.account"))
    return render_template("members/change_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        user = services.user_for_token(token, "invite")
    except DomainError as exc:
        return render_template("members/token_problem.html", message=str(exc), again_url=None), 400
    form = SetPasswordForm()
    # No message from run_service: signing in clears the session, so the welcome is flashed after it.
    if form.validate_on_submit() and run_service(
            lambda: services.accept_invitation(token, form.password.data), None, form):
        session.clear()
        login_user(user)
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.full_name), "success")
        return redirect(url_for("members.account"))
    return render_template("members/accept_invitation.html", form=form, invited=user)


# -- account and profile -------------------------------------------------------------------------------
@bp.route("/account")
@login_required
def account():
    return render_template("members/account.html", user=current_user, guide=guide_for(current_user))


@bp.route("/account/guide/dismiss", methods=["POST"])
@login_required
def dismiss_guide():
    """Close the getting-started guide for good (it also closes by itself once every step is done)."""
    from app.members.guide import dismiss_guide as dismiss

    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    dismiss(current_user)
    db.session.commit()
    flash(_("The guide is hidden. Your account page keeps the links to your profile and organisation."), "info")
    return redirect(url_for("members.account"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    if form.validate_on_submit() and run_service(
            lambda: services.update_profile(current_user, full_name=form.full_name.data,
                                            job_title=form.job_title.data or "", timezone=form.timezone.data,
                                            locale=form.locale.data),
            _("Your profile was saved."), form):
        return remember_language(redirect(url_for("members.profile")), current_user.locale)
    return render_template("members/profile.html", form=form)
