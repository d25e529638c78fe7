"""newsletter: partners' opt-in, the issues sent, the secretariat's choice of period

Revision ID: f6a8c0e2b4d6
Revises: b8d2f4a6c0e1
Create Date: 2026-12-05 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6a8c0e2b4d6'
down_revision = 'b8d2f4a6c0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('newsletter_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_newsletter_subscription_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_subscription')),
    sa.UniqueConstraint('user_id', name=op.f('uq_newsletter_subscription_user_id'))
    )
    op.create_table('newsletter_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=40), nullable=False),
    sa.Column('since_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('upcoming_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_issue')),
    sa.UniqueConstraint('period_key', name=op.f('uq_newsletter_issue_period_key'))
    )
    with op.batch_alter_table('newsletter_issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_newsletter_issue_until_at'), ['until_at'], unique=False)
    op.create_table('newsletter_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_newsletter_setting_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_setting'))
    )


def downgrade():
    op.drop_table('newsletter_setting')
    with op.batch_alter_table('newsletter_issue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_issue_until_at'))
    op.drop_table('newsletter_issue')
    op.drop_table('newsletter_subscription')
