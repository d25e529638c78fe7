"""Work items: what an action group plans to do, where, by when, and who leads it."""
from __future__ import annotations

import enum
from datetime import date, datetime
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.dedup import Initiative
from app.extensions import db
from app.types import UTCDateTime, enum_type
from app.utils import utcnow


class WorkItemStatus(str, enum.Enum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


WORK_ITEM_STATUS_LABELS = {
    WorkItemStatus.planned: _l("Planned"),
    WorkItemStatus.in_progress: _l("In progress"),
    WorkItemStatus.done: _l("Done"),
    WorkItemStatus.dropped: _l("Dropped"),
}
# A closed item is never overdue: it was finished, or the group decided not to do it.
CLOSED_STATUSES = frozenset({WorkItemStatus.done, WorkItemStatus.dropped})
# The order of the workflow, used when the list is sorted by status.
STATUS_ORDER = {status: position for position, status in enumerate(WorkItemStatus)}


class WorkItem(db.Model):
    """One piece of an action group's work plan.

    Each work item is also an *initiative* for the duplication detector, which is why countries are
    ISO 3166-1 alpha-3 codes (an empty list means "not given", never "everywhere") and the period is
    two real dates: see :meth:`to_initiative`.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Indexed by the composite indexes below, which both start with group_id.
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="CASCADE"))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    lead_organisation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    countries: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)  # ISO 3166-1 alpha-3
    areas: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)      # 8.7 area codes
    start_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
    due_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
    status: so.Mapped[WorkItemStatus] = so.mapped_column(
        enum_type(WorkItemStatus), default=WorkItemStatus.planned)
    responsible_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    group: so.Mapped["ActionGroup"] = so.relationship("ActionGroup")  # noqa: F821
    lead_organisation: so.Mapped["Organisation | None"] = so.relationship("Organisation")  # noqa: F821
    responsible: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[responsible_id])  # noqa: F821
    created_by: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[created_by_id])  # noqa: F821

    __table_args__ = (
        # The list is always one group's items, sorted by due date or filtered by status.
        sa.Index("ix_work_item_group_due", "group_id", "due_date"),
        sa.Index("ix_work_item_group_status", "group_id", "status"),
    )

    def __repr__(self) -> str:
        return f"<WorkItem {self.id} {self.title!r} group={self.group_id} {self.status.value}>"

    def __str__(self) -> str:
        return self.title

    @property
    def status_label(self) -> str:
        return str(WORK_ITEM_STATUS_LABELS[self.status])

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def is_overdue(self, today: date) -> bool:
        """Past its due date and still planned or in progress.

        :param today: the viewer's date (in their time zone), passed in so that tests fix it.
        """
        return self.due_date is not None and self.due_date < today and not self.is_closed

    def can_edit(self, user) -> bool:
        return self.group.can_participate(user)

    @property
    def initiative_id(self) -> str:
        return f"work_item:{self.id}"

    @property
    def is_compared(self) -> bool:
        """Whether the duplication detector compares this item (a dropped item is work no one will do)."""
        return self.status is not WorkItemStatus.dropped

    def to_initiative(self):
        """This work item as the duplication detector's :class:`app.dedup.Initiative`.

        This is the seam between the work plan and ``app.dedup``: the detector never sees the model, only
        this frozen dataclass of plain values. ``countries`` are ISO 3166-1 alpha-3 codes (an empty list
        means "not given", scored neutrally); the period runs from the start date to the due date; the
        8.7 areas are the themes; the lead organisation is ``"org:<id>"``. Work items name no target
        groups or partners.
        """
        return work_item_initiative(
            id=self.initiative_id if self.id is not None else None, title=self.title,
            description=self.description, countries=self.countries, start=self.start_date, end=self.due_date,
            areas=self.areas, lead_organisation_id=self.lead_organisation_id)


def work_item_initiative(*, id: str | None, title: str, description: str = "", countries=(),
                         start: date | None = None, end: date | None = None, areas=(),
                         lead_organisation_id: int | None = None):
    """A work item, saved or being typed, as an :class:`app.dedup.Initiative`."""
    return Initiative(id=id, kind="work_item", title=title or "", description=description or "",
                      countries=tuple(c for c in countries or () if c), start=start, end=end,
                      themes=tuple(areas or ()),
                      lead_org=f"org:{lead_organisation_id}" if lead_organisation_id else None)
