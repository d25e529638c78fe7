"""Documents shared in an action group's workspace, and their versions (files under UPLOAD_DIR)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.i18n import DOCUMENT_LANGUAGES  # the list the library's resources share
from app.types import UTCDateTime
from app.utils import utcnow



class Document(db.Model):
    """A document of a group: its description here, its files in :class:`DocumentVersion`."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="CASCADE"))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    areas: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)  # 8.7 area codes
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")
    is_public: so.Mapped[bool] = so.mapped_column(default=False)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    group: so.Mapped["ActionGroup"] = so.relationship("ActionGroup")  # noqa: F821
    created_by: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821
    versions: so.Mapped[list["DocumentVersion"]] = so.relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True,
        order_by="DocumentVersion.number.desc()")
    # The version people get by default: the newest one (one row per document has is_current).
    current_version: so.Mapped["DocumentVersion | None"] = so.relationship(
        primaryjoin="and_(DocumentVersion.document_id == Document.id, DocumentVersion.is_current.is_(True))",
        viewonly=True, uselist=False)

    __table_args__ = (
        sa.Index("ix_document_group_created", "group_id", "created_at"),
        sa.Index("ix_document_group_public", "group_id", "is_public"),
    )

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.title!r}>"

    def __str__(self) -> str:
        return self.title

    @property
    def language_label(self) -> str:
        return str(DOCUMENT_LANGUAGES.get(self.language, self.language))

    # -- permissions (the group's rules, applied to this document) ----------------------------------------
    def can_view(self, user) -> bool:
        """Workspace readers; everyone when the document is public."""
        return self.is_public or self.group.can_view_workspace(user)

    def can_edit(self, user) -> bool:
        """Describe, replace and publish: participants (members, conveners) and the secretariat, while
        the group is not archived."""
        return self.group.can_participate(user)

    def can_download(self, user, version: "DocumentVersion") -> bool:
        """Workspace readers get every version; the public gets the current version of a public document."""
        if self.group.can_view_workspace(user):
            return True
        return self.is_public and version.is_current


class DocumentVersion(db.Model):
    """One uploaded file of a document. Versions are numbered 1, 2, … and never removed."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    document_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    number: so.Mapped[int]
    is_current: so.Mapped[bool] = so.mapped_column(default=True)
    path_key: so.Mapped[str] = so.mapped_column(sa.String(40))       # under UPLOAD_DIR; see app/uploads.py
    original_name: so.Mapped[str] = so.mapped_column(sa.String(255))  # sanitised
    size: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    mime: so.Mapped[str] = so.mapped_column(sa.String(100))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")

    document: so.Mapped[Document] = so.relationship(back_populates="versions")
    uploaded_by: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("document_id", "number", name="uq_document_version_number"),
        # At most one current version per document: a database rule, not only a habit of the service.
        sa.Index("uq_document_version_current", "document_id", unique=True,
                 sqlite_where=sa.text("is_current = 1"), postgresql_where=sa.text("is_current")),
    )

    def __repr__(self) -> str:
        return f"<DocumentVersion {self.id} document={self.document_id} v{self.number}>"

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.number})"


def public_documents(group, limit: int = 20) -> list[Document]:
    """The group's public documents, newest first, with their current version (one query)."""
    return list(db.session.scalars(
        sa.select(Document).join(Document.current_version)
        .where(Document.group_id == group.id, Document.is_public.is_(True))
        .options(so.contains_eager(Document.current_version))
        .order_by(Document.created_at.desc(), Document.id.desc()).limit(limit)))
