"""Translation views: enter an object's text in another language; the secretariat's "needs translation" list."""
from __future__ import annotations

from flask import abort, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import run_service
from app.members.decorators import admin_required
from app.multilingual import bp, services
from app.multilingual.forms import translation_form
from app.multilingual.registry import KINDS


def get_translatable_or_404(kind_name: str, object_id: int):
    """The kind and object, if this person may translate it (404 if they may not even see it, else 403)."""
    kind = KINDS.get(kind_name)
    if kind is None:
        abort(404)
    obj = db.session.get(kind.model, object_id)
    if obj is None or not kind.can_view(obj, current_user):
        abort(404)
    if not kind.can_translate(obj, current_user):
        abort(403)
    return kind, obj


@bp.route("/translations/<kind_name>/<int:object_id>", methods=["GET", "POST"])
@login_required
def translate(kind_name: str, object_id: int):
    kind, obj = get_translatable_or_404(kind_name, object_id)
    original = services.original_language(obj)
    languages = services.offered_languages()
    wanted = request.values.get("language", "")
    if wanted not in languages or wanted == original:
        wanted = next((lang for lang in languages if lang != original), "")
    existing = services.translations_of(kind.name, obj.id).get(wanted, {})
    form = translation_form(kind, original, languages, data={"language": wanted, **existing}
                            if request.method == "GET" else None)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data or "" for name in kind.field_names}
        if run_service(lambda: services.save_translations(kind, obj, form.language.data, values, current_user),
                       _("Translation saved."), form):
            return redirect(kind.url(obj))
    return render_template("multilingual/translate.html", kind=kind, obj=obj, form=form, original=original,
                           language=wanted, translations=services.translations_of(kind.name, obj.id))


@bp.route("/translations/needed")
@admin_required
def needed():
    missing = services.missing_translations()
    kind_filter = request.args.get("kind", "")
    if kind_filter in KINDS:
        missing = [m for m in missing if m.kind.name == kind_filter]
    return render_template("multilingual/needed.html", missing=missing, kinds=KINDS, kind_filter=kind_filter)


