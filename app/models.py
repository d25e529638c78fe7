"""Every feature's models, imported in one place for Alembic autogenerate and ``flask shell``."""
from app.actiongroups.models import ActionGroup  # noqa: F401
from app.audit import AuditEntry  # noqa: F401
from app.mail import SentEmailKey  # noqa: F401
from app.members.models import Organisation, User  # noqa: F401
