"""Coarse access gates for views."""
from __future__ import annotations

import functools

from flask import abort
from flask_login import current_user, login_required

from app.policy import is_partner, is_secretariat


def admin_required(view):
    """Signed-in secretariat members only: others are sent to sign in (anonymous) or get 403."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not is_secretariat(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def approved_required(view):
    """Signed-in people whose account is approved (pending applicants get 403)."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not is_partner(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper
