"""forums joined to the knowledge gateway: countries of sessions and consultations, attendance

Revision ID: f36e9ce1a0d0
Revises: 4c4df2f9e881
Create Date: 2026-11-30 21:48:41.617588

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f36e9ce1a0d0'
down_revision = '4c4df2f9e881'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get an empty list; the models then always write one.
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('countries', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('forum_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('countries', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attended_at', sa.DateTime(timezone=True), nullable=True))

    # A group's consultations are about the group's focus countries, as new ones are by default.
    consultation = sa.table('consultation', sa.column('id', sa.Integer), sa.column('group_id', sa.Integer),
                            sa.column('countries', sa.JSON))
    group = sa.table('action_group', sa.column('id', sa.Integer), sa.column('focus_countries', sa.JSON))
    connection = op.get_bind()
    rows = connection.execute(sa.select(consultation.c.id, group.c.focus_countries)
                              .join(group, group.c.id == consultation.c.group_id)).all()
    for consultation_id, countries in rows:
        if countries:
            connection.execute(consultation.update().where(consultation.c.id == consultation_id)
                               .values(countries=sorted(set(countries))))


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('attended_at')

    with op.batch_alter_table('forum_session', schema=None) as batch_op:
        batch_op.drop_column('countries')

    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('countries')
