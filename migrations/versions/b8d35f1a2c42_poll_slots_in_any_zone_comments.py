"""Polls: a slot may have its own end and the zone it was entered in; invitees comment on their answers.

Revision ID: b8d35f1a2c42
Revises: a7c24e0f1b31
Create Date: 2026-12-05 09:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "b8d35f1a2c42"
down_revision = "a7c24e0f1b31"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no batch: a batch on SQLite copies the table and drops the old one, and the drop
    # would cascade to the answers).
    op.add_column("slot", sa.Column("own_ends_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("slot", sa.Column("timezone", sa.String(length=64), nullable=True))
    op.add_column("invitee", sa.Column("comment", sa.Text(), server_default="", nullable=False))


def downgrade():
    op.drop_column("invitee", "comment")
    op.drop_column("slot", "timezone")
    op.drop_column("slot", "own_ends_at")
