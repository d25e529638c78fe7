"""Every feature's models, imported in one place for Alembic autogenerate and ``flask shell``."""
import app.actiongroups.discussions.models  # noqa: F401
import app.actiongroups.documents.models  # noqa: F401
import app.actiongroups.workplan.models  # noqa: F401
from app.actiongroups.models import ActionGroup, Activity, JoinRequest, Membership  # noqa: F401
from app.api.models import ApiToken  # noqa: F401
from app.audit import AuditEntry  # noqa: F401
from app.events import OutboxEvent  # noqa: F401
from app.members.models import Organisation, User  # noqa: F401
from app.multilingual.models import ContentTranslation  # noqa: F401
from app.news.models import NewsPost  # noqa: F401
from app.announcements.models import Announcement  # noqa: F401
from app.notifications.models import Notification, NotificationPreference  # noqa: F401
from app.commitments.models import (  # noqa: F401
    Deliverable, DeliverableUpdate, Indicator, Pledge, PledgeEvent, PledgePartner, ProgressReport, ReportEvidence,
    ReportValue,
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
