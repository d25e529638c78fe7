"""The newsletter: a periodic digest (monthly by default) of what is new on the Hub, e-mailed by the worker to
the partners who opted in, each in their own language and time zone, with a one-click unsubscribe link.

The secretariat previews the next issue in any language at /admin/newsletter/preview?lang=fr and may change the
period there; ``NEWSLETTER_PERIOD`` is the default. The job :func:`app.jobs.send_newsletter` sends an issue once
per period: one outbox e-mail per subscriber with a key naming the issue and the person, so running it twice, or
again after it was killed half-way, sends nobody anything twice.
"""
from flask import Blueprint

bp = Blueprint("newsletter", __name__, template_folder="templates")

from app.newsletter import routes  # noqa: E402,F401  (registers the views on bp)
from app.newsletter.services import register_subscription  # noqa: E402

register_subscription()  # the opt-in on the notification settings page
