"""Pledges: their areas, countries and regions as rows (pledge_facet) with the pledge's state and dates, which the
dashboard counts and filters by instead of expanding every pledge's JSON lists, existing pledges' rows filled in;
an index of the pledges' schedules for the dashboard's reports due; the summary's index holds the pledges' dates
(issue 16).

Revision ID: e9b4d2a6c8f1
Revises: d7f3b1c5e920
Create Date: 2026-12-06 03:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e9b4d2a6c8f1"
down_revision = "d7f3b1c5e920"
branch_labels = None
depends_on = None

BATCH = 2000
# ix_pledge_summary as revision d7f3b1c5e920 made it.
SUMMARY_COLUMNS = ["state", "action_type", "is_global", "organisation_id", "resources_currency", "report_due_on",
                   "red_from", "inactive_from", "resources_amount"]


def upgrade():
    op.create_table(
        "pledge_facet",
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("area", "country", "region", name="facetkind", native_enum=False, length=8),
                  nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("state", sa.Enum("draft", "submitted", "returned", "published", "completed", "withdrawn",
                                   name="pledgestate", native_enum=False, length=30), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["pledge_id"], ["pledge.id"], name=op.f("fk_pledge_facet_pledge_id_pledge"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pledge_id", "kind", "code", name=op.f("pk_pledge_facet")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_pledge_facet_count", "pledge_facet",
                    ["kind", "code", "state", "start_date", "end_date", "pledge_id"], unique=False)
    _fill()
    op.create_index("ix_pledge_schedule", "pledge", ["state", "start_date", "end_date", "report_every_months"],
                    unique=False)
    # The summary's index holds the year filter's dates too: filtered by year, SQLite still reads the index alone.
    op.drop_index("ix_pledge_summary", table_name="pledge")
    op.create_index("ix_pledge_summary", "pledge", [*SUMMARY_COLUMNS, "start_date", "end_date"], unique=False)


def _fill() -> None:
    """Every pledge's facets, as app.commitments.models.facet_codes makes them: each area and country once, and
    the region (continent) of each country that has one."""
    from app.taxonomy import region_of

    pledge = sa.table("pledge", sa.column("id", sa.Integer), sa.column("state", sa.String),
                      sa.column("start_date", sa.Date), sa.column("end_date", sa.Date),
                      sa.column("areas", sa.JSON), sa.column("countries", sa.JSON))
    facet = sa.table("pledge_facet", sa.column("pledge_id", sa.Integer), sa.column("kind", sa.String),
                     sa.column("code", sa.Text), sa.column("state", sa.String),
                     sa.column("start_date", sa.Date), sa.column("end_date", sa.Date))
    bind = op.get_bind()
    rows = []
    query = sa.select(pledge.c.id, pledge.c.state, pledge.c.start_date, pledge.c.end_date, pledge.c.areas,
                      pledge.c.countries).order_by(pledge.c.id)
    for pledge_id, state, start, end, areas, countries in bind.execute(query).all():
        codes: dict[tuple[str, str], None] = {}
        for area in areas or ():
            if area is not None:
                codes[("area", str(area))] = None
        for country in countries or ():
            if country is not None:
                codes[("country", str(country))] = None
                if region_of(str(country)):
                    codes[("region", region_of(str(country)))] = None
        rows += [dict(pledge_id=pledge_id, kind=kind, code=code, state=state, start_date=start, end_date=end)
                 for kind, code in codes]
        if len(rows) >= BATCH:
            bind.execute(sa.insert(facet), rows)
            rows = []
    if rows:
        bind.execute(sa.insert(facet), rows)


def downgrade():
    op.drop_index("ix_pledge_summary", table_name="pledge")
    op.create_index("ix_pledge_summary", "pledge", SUMMARY_COLUMNS, unique=False)
    op.drop_index("ix_pledge_schedule", table_name="pledge")
    op.drop_index("ix_pledge_facet_count", table_name="pledge_facet")
    op.drop_table("pledge_facet")
