"""members: when a person dismissed the getting-started guide

Revision ID: c4e1f7a2b9d3
Revises: a20d05757c44
Create Date: 2026-12-05 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'c4e1f7a2b9d3'
down_revision = 'b7e3c1d9f042'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guide_dismissed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('guide_dismissed_at')
