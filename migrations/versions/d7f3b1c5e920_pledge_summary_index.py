"""Pledges: an index holding every column the dashboard's summary reads, its groups first (issue 16).

Revision ID: d7f3b1c5e920
Revises: c4e7a2d9b610
Create Date: 2026-12-06 01:30:00
"""
from alembic import op

revision = "d7f3b1c5e920"
down_revision = "c4e7a2d9b610"
branch_labels = None
depends_on = None

COLUMNS = ["state", "action_type", "is_global", "organisation_id", "resources_currency", "report_due_on", "red_from",
           "inactive_from", "resources_amount"]


def upgrade():
    op.create_index("ix_pledge_summary", "pledge", COLUMNS, unique=False)


def downgrade():
    op.drop_index("ix_pledge_summary", table_name="pledge")
