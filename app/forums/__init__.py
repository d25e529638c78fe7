"""Partnership Forum, consultations and calendars."""
from flask import Blueprint

from app.actiongroups import on_left_group, register_public_section
from app.forums.consultations import revoke_links_of
from app.forums.feeds import revoke_feed
from app.forums.times import show, show_day, show_time
from app.members import on_access_ended
from app.utils import utcnow

bp = Blueprint("forums", __name__, url_prefix="/forums", template_folder="templates")

# The group's public page lists its upcoming public meetings; the template asks for them itself.
register_public_section("forums/_group_meetings.html")


@on_access_ended
def _revoke_secret_links(user) -> None:
    """A suspended or declined person keeps no working calendar feed or consultation link."""
    revoke_links_of(user)
    revoke_feed(user)


@on_left_group
def _revoke_group_links(person, group) -> None:
    """Someone who leaves a group keeps no personal link to the group's consultations."""
    revoke_links_of(person, group=group)


@bp.app_template_filter("in_zone")
def in_zone_filter(value, zone, fmt=None, named=True, h24=False, weekday=False):
    """{{ session.starts_at | in_zone(forum.timezone, h24=forum.has_24h_clock) }}: a UTC time in a named zone,
    with the zone written; "full" puts the weekday first."""
    return show(value, zone, "full" if weekday else fmt, named=named, h24=h24)


@bp.app_template_filter("time_in_zone")
def time_in_zone_filter(value, zone, named=False, h24=False):
    return show_time(value, zone, named=named, h24=h24)


@bp.app_template_filter("day_in_zone")
def day_in_zone_filter(value, zone=None, fmt=None, weekday=False):
    return show_day(value, zone, fmt, weekday=weekday)


@bp.app_context_processor
def forum_helpers():
    def upcoming_public_meetings(group):
        from app.forums.consultations import upcoming_public_meetings as upcoming

        return upcoming(group, utcnow())

    return {"upcoming_public_meetings": upcoming_public_meetings}


from app.forums import consultation_routes, feed_routes, group_routes, routes  # noqa: E402,F401  (register the views on bp)
