"""Accounts, partner organisations, sign-in, invitations and profiles."""
from flask import Blueprint

bp = Blueprint("members", __name__, template_folder="templates")

# What other features do when a person's access ends (suspended, declined, their organisation suspended):
# each revokes the secret links it gave them (calendar feeds, consultation links). Registered by the
# features themselves, so members imports none of them.
_access_ended_hooks: list = []


def on_access_ended(hook):
    """Register ``hook(user)``, called (inside the service's transaction) when ``user`` loses access."""
    _access_ended_hooks.append(hook)
    return hook


def access_ended(user) -> None:
    for hook in _access_ended_hooks:
        hook(user)

from app.members import routes  # noqa: E402,F401  (registers the views on bp)
