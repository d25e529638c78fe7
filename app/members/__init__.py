"""Accounts, partner organisations, sign-in, invitations and profiles."""
from flask import Blueprint

bp = Blueprint("members", __name__, template_folder="templates")

from app.members import routes  # noqa: E402,F401  (registers the views on bp)
