"""outbox: one transactional outbox for what follows a change (e-mails, fan-outs, re-indexing); its keys
replace sent_email_key, whose keys are copied in as done so that nothing already sent goes out again

Revision ID: b7e3c1d9f042
Revises: a20d05757c44
Create Date: 2026-12-05 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c1d9f042'
down_revision = 'b7e4c1a9d2f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['state', 'next_attempt_at'], unique=False)
    # The keys of e-mails already sent (reminders, digests) become done marks: none is sent again.
    op.execute("INSERT INTO outbox (kind, key, state, attempts, created_at, done_at) "
               "SELECT 'mark', key, 'done', 0, created_at, created_at FROM sent_email_key")
    op.drop_table('sent_email_key')


def downgrade():
    op.create_table('sent_email_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_email_key')),
    sa.UniqueConstraint('key', name=op.f('uq_sent_email_key_key'))
    )
    op.execute("INSERT INTO sent_email_key (key, created_at) "
               "SELECT key, created_at FROM outbox WHERE state = 'done'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')
    op.drop_table('outbox')
