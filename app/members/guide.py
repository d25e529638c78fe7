"""The getting-started guide a new partner sees after signing in: complete the organisation's profile, join
an action group, make a pledge. Each tick is read from the data (nothing to keep in step); the guide shows
until every step is done or the person closes it (``User.guide_dismissed_at``).

The profile step is the members' own; the others are registered by the features they lead to
(:func:`register_guide_step`, from their gateway.py): joining a group (app/actiongroups), making a pledge
(app/commitments).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.members.models import User
from app.policy import has_organisation, is_secretariat
from app.utils import utcnow


@dataclass(frozen=True)
class Step:
    key: str
    title: object        # a lazy string
    hint: object
    endpoint: str        # where to do it
    args: dict
    done: bool


@dataclass(frozen=True)
class Guide:
    steps: list[Step]

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done == len(self.steps)


# (order, build): ``build(user)`` gives the step for an approved partner of an organisation; by order.
GUIDE_STEPS: dict[str, tuple[int, Callable[[User], Step]]] = {}


def register_guide_step(key: str, build: Callable[[User], Step], order: int) -> None:
    """Add a step to the guide (registering the same key again replaces it)."""
    GUIDE_STEPS[key] = (order, build)


def profile_is_complete(org) -> bool:
    """An organisation's profile is complete with a description and a website."""
    return bool(org is not None and (org.description or "").strip() and (org.website or "").strip())


def guide_for(user) -> Guide | None:
    """The guide for ``user``, or None when it is not for them: not an approved partner of an organisation,
    closed, or done (three small queries at most)."""
    if not (has_organisation(user) and not is_secretariat(user) and user.guide_dismissed_at is None):
        return None
    org = user.organisation
    profile = Step("profile", _l("Complete your organisation's profile"),
                   _l("A description and a website tell other partners what you do.") if user.is_focal_point
                   else _l("Your organisation's focal points can add a description and a website."),
                   "members.edit_organisation" if org.can_edit(user) else "members.organisation",
                   {"org_id": org.id}, profile_is_complete(org))
    steps = [profile] + [build(user) for _order, build in sorted(GUIDE_STEPS.values(), key=lambda step: step[0])]
    guide = Guide(steps)
    return None if guide.complete else guide


def dismiss_guide(user: User, now: datetime | None = None) -> None:
    """Close the guide for good (flush, no commit)."""
    user.guide_dismissed_at = now or utcnow()
    db.session.flush()
