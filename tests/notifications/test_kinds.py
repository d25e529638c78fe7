"""Kinds render their message from params at display time, and never raise."""
from __future__ import annotations

from types import SimpleNamespace

from flask_babel import force_locale

from app.notifications import kinds
from app.notifications.kinds import KINDS, render, render_message
from app.notifications.models import Delivery


def test_every_kind_asked_for_exists_with_its_default():
    immediately = {"group_join_request", "group_join_accepted", "group_join_declined", "group_invitation",
                   "group_role_changed", "mention", "pledge_submitted", "pledge_published", "pledge_returned",
                   "report_submitted", "report_approved", "report_returned",
                   "forum_waitlist_promoted", "poll_all_answered", "poll_slot_added", "poll_slot_removed",
                   "overlap_coordinate", "overlap_likely", "overlap_contact", "resource_published",
                   "resource_returned"}
    daily = {"thread_new", "thread_reply", "document_new", "work_item_assigned", "action_item_assigned"}
    assert set(KINDS) == immediately | daily
    assert all(KINDS[k].default is Delivery.immediately for k in immediately)
    assert all(KINDS[k].default is Delivery.daily for k in daily)


def test_render_fills_the_placeholders(app):
    n = SimpleNamespace(kind="thread_new", params={"actor": "Ada", "thread": "Budget", "group": "Alpha"})
    assert render(n) == "Ada started “Budget” in Alpha"
    assert render_message("mention", {"actor": "Ada", "thread": "Budget"}) == "Ada mentioned you in “Budget”"


def test_render_never_raises(app):
    assert render_message("group_join_request", {"group": "Alpha"}) == f"{kinds.MISSING} asks to join Alpha"
    assert render_message("group_join_request", None) == f"{kinds.MISSING} asks to join {kinds.MISSING}"
    assert render_message("retired_kind", {"x": 1}) == "You have a new notification"


def test_an_empty_decline_message_is_left_out(app):
    assert render_message("group_join_declined", {"group": "Alpha", "message": "Full."}) == \
        "Your request to join Alpha was declined: Full."
    assert render_message("group_join_declined", {"group": "Alpha", "message": ""}) == \
        "Your request to join Alpha was declined"


def test_a_role_is_shown_by_its_label_in_the_readers_language(app):
    from app.actiongroups.models import GROUP_ROLE_LABELS, GroupRole

    text = render_message("group_role_changed", {"group": "Alpha", "role": "convener"})
    assert text == "Your role in Alpha is now: Convener"
    with force_locale("fr"):
        french = render_message("group_role_changed", {"group": "Alpha", "role": "convener"})
        assert str(GROUP_ROLE_LABELS[GroupRole.convener]) in french
    assert render_message("group_role_changed", {"group": "Alpha", "role": "unheard_of"}).endswith("unheard_of")
