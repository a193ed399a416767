"""the chat notifier's place: the last event read, the last queue-age alert

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

import service.models


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notifier_state',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('last_event_id', sa.BigInteger(), nullable=False),
        sa.Column('age_alert_at', service.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifier_state')),
        sa.UniqueConstraint('name', name=op.f('uq_notifier_state_name')),
    )


def downgrade():
    op.drop_table('notifier_state')
