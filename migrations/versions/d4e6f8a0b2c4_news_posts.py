"""news: posts of the Hub and of action groups

Revision ID: d4e6f8a0b2c4
Revises: c3d5e7f9a1b2
Create Date: 2026-12-05 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e6f8a0b2c4'
down_revision = 'c3d5e7f9a1b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('news_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('countries', sa.JSON(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('image_path_key', sa.String(length=40), nullable=False),
    sa.Column('image_mime', sa.String(length=100), nullable=False),
    sa.Column('image_name', sa.String(length=255), nullable=False),
    sa.Column('image_alt', sa.String(length=200), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_news_post_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['action_group.id'], name=op.f('fk_news_post_group_id_action_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_news_post'))
    )
    with op.batch_alter_table('news_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_news_post_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_news_post_published', ['published_at'], unique=False)


def downgrade():
    with op.batch_alter_table('news_post', schema=None) as batch_op:
        batch_op.drop_index('ix_news_post_published')
        batch_op.drop_index(batch_op.f('ix_news_post_group_id'))
    op.drop_table('news_post')
