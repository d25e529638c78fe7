"""An event's clock convention: a Forum edition or a consultation may write its times on a 24-hour clock.

Revision ID: a7c24e0f1b31
Revises: e8a1c3b5d7f9
Create Date: 2026-12-05 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "a7c24e0f1b31"
down_revision = "e8a1c3b5d7f9"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, not a batch: on SQLite a batch copies and drops the table, and dropping "forum"
    # would cascade to its sessions and registrations.
    op.add_column("forum", sa.Column("has_24h_clock", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("consultation", sa.Column("has_24h_clock", sa.Boolean(), server_default=sa.false(),
                                            nullable=False))


def downgrade():
    op.drop_column("consultation", "has_24h_clock")
    op.drop_column("forum", "has_24h_clock")
