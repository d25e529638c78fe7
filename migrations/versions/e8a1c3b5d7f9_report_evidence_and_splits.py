"""progress reports: evidence (files and links with captions) and values split by sex and age group
(also on the indicator: the parts of its current value)

Revision ID: e8a1c3b5d7f9
Revises: f6a8c0e2b4d6
Create Date: 2026-12-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8a1c3b5d7f9'
down_revision = 'f6a8c0e2b4d6'
branch_labels = None
depends_on = None

SPLIT_COLUMNS = ('female', 'male', 'sex_other', 'under_18', 'adults', 'age_unknown')


def upgrade():
    op.create_table('report_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('caption', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('path_key', sa.String(length=40), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_report_evidence_added_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['progress_report.id'], name=op.f('fk_report_evidence_report_id_progress_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_evidence'))
    )
    with op.batch_alter_table('report_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_evidence_report_id'), ['report_id'], unique=False)
    with op.batch_alter_table('report_value', schema=None) as batch_op:
        for column in SPLIT_COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Numeric(precision=20, scale=4), nullable=True))
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('current_parts', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_column('current_parts')
    with op.batch_alter_table('report_value', schema=None) as batch_op:
        for column in reversed(SPLIT_COLUMNS):
            batch_op.drop_column(column)
    with op.batch_alter_table('report_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_evidence_report_id'))
    op.drop_table('report_evidence')
