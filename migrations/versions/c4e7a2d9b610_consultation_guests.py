"""Consultations: guests without a Hub account, invited by e-mail address (an invitee is a member or a guest).

Revision ID: c4e7a2d9b610
Revises: b8d35f1a2c42
Create Date: 2026-12-05 19:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "c4e7a2d9b610"
down_revision = "b8d35f1a2c42"
branch_labels = None
depends_on = None

USER_OR_GUEST = ("(user_id IS NOT NULL AND guest_email IS NULL AND guest_name IS NULL) OR "
                 "(user_id IS NULL AND guest_email IS NOT NULL AND guest_name IS NOT NULL)")


def _batch(change) -> None:
    """Run ``change`` on a batch of the invitee table. On SQLite a batch copies the table and drops the old
    one, and with foreign keys on the drop cascades to the answers: they are kept aside and put back."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TABLE _answer_kept AS SELECT * FROM answer")
    with op.batch_alter_table("invitee", schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        op.execute("INSERT INTO answer SELECT * FROM _answer_kept WHERE id NOT IN (SELECT id FROM answer) "
                   "AND invitee_id IN (SELECT id FROM invitee)")
        op.execute("DROP TABLE _answer_kept")


def upgrade():
    def change(batch_op):
        batch_op.add_column(sa.Column("guest_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("guest_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("guest_locale", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("guest_timezone", sa.String(length=64), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint("uq_invitee_consultation_guest_email", ["consultation_id", "guest_email"])
        batch_op.create_check_constraint(op.f("ck_invitee_user_or_guest"), USER_OR_GUEST)

    _batch(change)


def downgrade():
    op.execute("DELETE FROM invitee WHERE user_id IS NULL")  # the guests: a member-only invitee table has no room

    def change(batch_op):
        batch_op.drop_constraint(op.f("ck_invitee_user_or_guest"), type_="check")
        batch_op.drop_constraint("uq_invitee_consultation_guest_email", type_="unique")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("guest_timezone")
        batch_op.drop_column("guest_locale")
        batch_op.drop_column("guest_email")
        batch_op.drop_column("guest_name")

    _batch(change)
