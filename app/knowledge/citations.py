"""What cites a library resource: the kinds of object a resource's page lists as citing it, and that may be
made to cite one. Each is a :class:`Citer` its feature registers from its gateway.py
(:func:`register_citer`): pledges (app/commitments) and action groups (app/actiongroups), so that the
library imports no feature.

A citation (:class:`~app.knowledge.models.ResourceCitation`) names its citer in the column ``<name>_id``
and the relationship ``<name>`` (``pledge``, ``group``): a citer's name is one of
``ResourceCitation.CITERS``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.knowledge.models import ResourceCitation


def _anyone(obj, user) -> bool:
    return True


@dataclass(frozen=True)
class Citer:
    """A kind of object that cites library resources.

    :param name: ``pledge`` or ``group``: the citation's relationship (and ``<name>_id`` column) it fills.
    :param label: a lazy string, shown before each citing object on the resource's page ("Pledge: ...").
    :param model: the mapped class, loaded by id from the citing form.
    :param choice: obj -> its line in the citing form's list.
    :param citable: user -> the objects this person may make cite a resource, in the form's order.
    :param may_cite: (obj, user) -> whether this person adds (and removes) the object's citations.
    :param refusal: a lazy string: why :func:`may_cite` said no.
    :param title: obj -> its title on the resource's page; :param url: obj -> the link to it there;
    :param detail: obj -> shown in brackets after it ("" for nothing).
    :param can_see: (obj, user) -> whether the resource's page lists it for this person.
    :param load_options: loader options for the related objects of the citing object, joined into the one
        query that lists a resource's citations.
    """

    name: str
    label: object
    model: type
    choice: Callable[[object], str]
    citable: Callable[[object], Sequence]
    may_cite: Callable[[object, object], bool]
    refusal: object
    title: Callable[[object], str]
    url: Callable[[object], str]
    detail: Callable[[object], str] = lambda obj: ""
    can_see: Callable[[object, object], bool] = _anyone
    load_options: Callable[[], Sequence] = tuple
    order: int = 50


CITERS: list[Citer] = []


def register_citer(citer: Citer) -> None:
    """Add a kind of object that cites resources (registering the same name again replaces it)."""
    if citer.name not in ResourceCitation.CITERS:
        raise ValueError(f"A citation names no {citer.name!r}: it names one of {ResourceCitation.CITERS}")
    CITERS[:] = [c for c in CITERS if c.name != citer.name] + [citer]
    CITERS.sort(key=lambda c: (c.order, c.name))


def citer_named(name: str) -> Citer | None:
    return next((c for c in CITERS if c.name == name), None)


def citer_of(citation: ResourceCitation) -> tuple[Citer, object] | None:
    """The kind of the object the citation comes from, and that object (None if its kind is not registered)."""
    for citer in CITERS:
        obj = getattr(citation, citer.name)
        if obj is not None:
            return citer, obj
    return None
