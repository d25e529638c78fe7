"""Who may do what: the site-wide permission predicates, and the map of every rule in the Hub.

Every permission rule is one named predicate, used alike by routes (403), services (``NotAllowedError``),
templates (registered as Jinja globals and tests by :func:`init_app`) and the API. Site-wide rules about
the person live here; rules about one object live on its model as ``can_<verb>(user)`` and build on the
predicates below. This module imports no feature, so every package (cross-cutting ones included) may use it.

The three people every rule starts from
---------------------------------------
- :func:`is_signed_in` – a session (pending applicants may sign in to follow their application).
- :func:`is_partner` – signed in and approved: the person may act on the Hub at all.
- :func:`is_secretariat` – a partner whose account holds the secretariat (admin) role. The one spelling
  of the secretariat check: ``user.is_admin`` alone, ``is_authenticated and is_admin`` and
  ``is_admin and is_approved`` used to stand side by side; an account that is not approved (pending)
  never acts as the secretariat. :func:`holds_secretariat_role` is the stored flag, for *showing* who is
  in the secretariat (badges, lists), never for deciding.

Group roles
-----------
- :func:`convenes` (``ActionGroup.is_convened_by``) – the person is a convener of the group **and the group
  is not archived**. "Who convenes a group" used to have two answers: consultations, library citations and
  ``ActionGroup.can_manage`` left archived groups out, while the overlap review queue, ``can_convene`` and the
  home page's join requests counted them. Archived groups are read-only (nothing can change in them and
  only the secretariat acts), so a convener of an archived group convenes nothing: no overlap reviewing,
  consultations or join-request decisions through it. ``ActionGroup.convened_ids(user)`` is the same rule as
  SQL, for many groups at once.
- ``ActionGroup.any_convened_by(user)`` – convenes at least one (not archived) group: holds consultations,
  reviews overlaps. On the model, because this module imports no feature.

The map: every rule, and where it lives
---------------------------------------
members
  - ``Organisation.can_view`` / ``can_edit`` / ``can_view_members`` (profile; focal points and secretariat)
  - ``User.is_focal_point``, ``User.may_use_secret_links``, ``User.can_view_outbox`` (secretariat)
  - ``members.decorators.admin_required`` (coarse gate: :func:`is_secretariat`), ``approved_required``
    (:func:`is_partner`)
  - ``members.services._require_admin`` (thin wrapper: :func:`is_secretariat`)
  - ``members.overview.may_see_focal_points`` (:func:`is_partner`)
  - :func:`belongs_to` – the organisation page's "mine" (route) and the pledge rules
  - ``members.guide`` shows the getting-started guide to partners who are not the secretariat
admin
  - every ``admin.routes`` view is ``@admin_required``
actiongroups
  - ``ActionGroup.can_view_workspace`` / ``workspace_readable_by`` (SQL) / ``can_participate`` /
    ``can_manage`` (= ``can_moderate``) / ``can_edit`` (secretariat) / ``can_request_to_join`` / ``can_leave``
  - ``ActionGroup.is_convened_by`` (:func:`convenes`) and ``ActionGroup.convened_ids``
  - ``actiongroups.services`` ``_require`` (create a group: :func:`is_secretariat`), ``_require_open``
  - ``Thread.can_reply``, ``Post.can_edit``; ``discussions.services._require_poster`` /
    ``_require_moderator`` and their route twins (403 + redirect when archived)
  - ``Document.can_view`` / ``can_edit`` / ``can_download``; ``documents.services._require_editable``
  - ``WorkItem.can_edit``; ``workplan.services._require_planner``; ``workplan.routes._planner_or_403``
commitments
  - ``Pledge.can_view`` / ``can_view_private`` / ``can_edit`` / ``can_submit`` / ``can_review`` (secretariat) /
    ``can_report`` / ``can_close``; ``ProgressReport.can_view`` / ``can_edit`` / ``can_review``
  - :func:`may_pledge` – a partner with an organisation creates pledges (``commitments.routes``)
  - ``commitments.services._require_review``; ``reports.require_reporter`` / ``require_editable`` /
    ``require_reviewer``
forums
  - ``Forum.can_view`` / ``can_manage`` (secretariat) / ``can_register``; ``ForumSession.can_view``
  - ``forums.services._require_admin`` (:func:`is_secretariat`); cancelling a registration: its holder or
    the secretariat
  - ``Consultation.can_manage`` / ``can_view`` / ``can_answer`` / ``can_respond``;
    ``consultations.can_convene`` (``ActionGroup.any_convened_by``), ``convened_groups``, ``_require_manager``
knowledge
  - ``Resource.can_view`` / ``can_edit`` / ``can_review`` / ``can_archive``; ``knowledge.models.is_curator``
    (secretariat or appointed curator); ``services._require_curator`` and ``library_routes._require_curator``
  - :func:`may_submit_resource` – a partner with an organisation, or the secretariat
  - ``services.can_remove_citation`` (the citer's ``may_cite``: ``Pledge.can_edit``, ``ActionGroup.can_manage``);
    ``actiongroups.gateway.citable_groups`` (groups the person convenes), ``commitments.gateway.citable_pledges``
  - the monitoring dashboard's secretariat-only figures, the search's private kinds, pathfinder pages
news, announcements, multilingual
  - ``NewsPost.can_view`` / ``can_edit``; ``news.models.can_write_news`` (secretariat; a group's conveners)
  - ``Announcement.can_edit``; ``announcements.services.groups_for``
  - ``multilingual.registry`` kinds' ``can_view`` / ``can_translate``
overlaps
  - ``overlaps.services.can_review_overlaps`` (secretariat or ``ActionGroup.any_convened_by``), ``convened_groups``,
    ``can_remove_link``; ``OverlapFlag.can_review``; ``InitiativeLink.can_view``;
    ``overlaps.initiatives.Viewer`` (the same rules, preloaded)
api
  - :func:`may_have_api_tokens` (``api.tokens.can_have_tokens``; the account page's link); ``ApiToken.can_revoke``;
    ``api.auth.require_scope``; unpublished Forums listed to the secretariat only
templates
  - the navigation (secretariat menu, "My organisation"), create buttons, the account page's role and
    API-token link, the overlap queue's convener note use the Jinja globals registered below.

Queries that *list* the secretariat (``User.is_admin.is_(True)``: whom to tell of an application, of a
submitted pledge) select people, they do not decide what someone may do, and stay as queries.
"""
from __future__ import annotations

from typing import Any

__all__ = ["is_signed_in", "is_partner", "is_secretariat", "holds_secretariat_role", "belongs_to",
           "has_organisation", "may_pledge", "may_submit_resource", "may_have_api_tokens", "convenes", "init_app"]


def is_signed_in(user: Any) -> bool:
    """A person with a session (anonymous users and ``None`` are not)."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_partner(user: Any) -> bool:
    """Signed in with an approved account: may act on the Hub."""
    return is_signed_in(user) and bool(user.is_approved)


def is_secretariat(user: Any) -> bool:
    """The secretariat (site admin): an approved account with the secretariat role."""
    return is_partner(user) and bool(user.is_admin)


def holds_secretariat_role(user: Any) -> bool:
    """The account carries the secretariat role, approved or not: for showing people, never for deciding."""
    return user is not None and bool(getattr(user, "is_admin", False))


def belongs_to(user: Any, organisation_id: int | None) -> bool:
    """An approved person of that organisation."""
    return organisation_id is not None and is_partner(user) and user.organisation_id == organisation_id


def has_organisation(user: Any) -> bool:
    """An approved person who acts for an organisation."""
    return is_partner(user) and user.organisation_id is not None


def may_pledge(user: Any) -> bool:
    """Create a pledge (for one's organisation): an approved person of an organisation."""
    return has_organisation(user)


def may_submit_resource(user: Any) -> bool:
    """Submit a resource to the knowledge library: a person of an organisation, or the secretariat."""
    return has_organisation(user) or is_secretariat(user)


def may_have_api_tokens(user: Any) -> bool:
    """Create and use API tokens: focal points of an active organisation, and the secretariat (an API token,
    like a calendar feed link, acts without a sign-in, so only for people whose secret links may act)."""
    return is_signed_in(user) and bool(user.may_use_secret_links) and (bool(user.is_focal_point)
                                                                     or is_secretariat(user))


def convenes(user: Any, group: Any) -> bool:
    """``user`` convenes ``group``, which is not archived (see the module docstring)."""
    return group is not None and group.is_convened_by(user)


# Predicates templates may call, as globals (``is_secretariat(current_user)``) and as tests
# (``current_user is secretariat``).
TEMPLATE_GLOBALS = {f.__name__: f for f in (is_signed_in, is_partner, is_secretariat, holds_secretariat_role,
                                            belongs_to, has_organisation, may_pledge, may_submit_resource,
                                            may_have_api_tokens, convenes)}
TEMPLATE_TESTS = {"partner": is_partner, "secretariat": is_secretariat}


def init_app(app) -> None:
    """Make the predicates available to every template."""
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
    app.jinja_env.tests.update(TEMPLATE_TESTS)
