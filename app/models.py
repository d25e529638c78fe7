"""Every feature's models, imported in one place for Alembic autogenerate (with its ``include_name`` hook) and
``flask shell``."""
import app.actiongroups.discussions.models  # noqa: F401
import app.actiongroups.documents.models  # noqa: F401
import app.actiongroups.workplan.models  # noqa: F401
from app.actiongroups.models import ActionGroup, Activity, JoinRequest, Membership  # noqa: F401
from app.api.models import ApiToken  # noqa: F401
from app.admin.imports import ImportJob  # noqa: F401
from app.audit import AuditEntry  # noqa: F401
from app.events import OutboxEvent  # noqa: F401
from app.members.models import Organisation, User  # noqa: F401
from app.multilingual.models import ContentTranslation  # noqa: F401
from app.news.models import NewsPost  # noqa: F401
from app.announcements.models import Announcement  # noqa: F401
from app.newsletter.models import NewsletterIssue, NewsletterSetting, NewsletterSubscription  # noqa: F401
from app.notifications.models import Notification, NotificationPreference  # noqa: F401
from app.commitments.models import (  # noqa: F401
    Deliverable, DeliverableUpdate, Indicator, Pledge, PledgeEvent, PledgeFacet, PledgePartner, ProgressReport,
    ReportEvidence, ReportValue,
)
from app.forums.models import (  # noqa: F401
    AgendaEntry, CalendarKey, Forum, ForumRoom, ForumSession, ForumTrack, Registration, SessionSpeaker,
)
from app.forums.consultation_models import ActionItem, Answer, Consultation, Invitee, Slot  # noqa: F401
from app.knowledge.models import (  # noqa: F401
    IndicatorValue, LibraryCurator, PathfinderCountry, Resource, ResourceCitation, RoadmapMilestone, SearchDocument,
)
from app.overlaps.models import (  # noqa: F401
    ActivityLink, ExternalActivity, InitiativeChange, InitiativeLink, OverlapDecision, OverlapFlag, OverlapState,
    ReviewVisit,
)
from app.knowledge.search import is_backend_object


def include_name(name: str | None, type_: str, parent_names) -> bool:
    """Alembic's ``include_name`` hook: leave out the schema objects that migrations create by hand for a
    search backend (they are not in the models: FTS5 tables and triggers, a generated tsvector column and its
    GIN index)."""
    return not is_backend_object(name)
