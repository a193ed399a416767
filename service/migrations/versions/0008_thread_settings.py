"""per-story settings: pre-moderated, closed, links held

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

import service.models

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'thread_settings',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('site', sa.String(length=100), nullable=False),
        sa.Column('thread', sa.String(length=200), nullable=False),
        sa.Column('moderation', sa.String(length=8), nullable=False),
        sa.Column('links', sa.String(length=8), nullable=True),
        sa.Column('updated_at', service.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_thread_settings_site_thread', 'thread_settings', ['site', 'thread'],
                    unique=True)


def downgrade():
    op.drop_index('ix_thread_settings_site_thread', table_name='thread_settings')
    op.drop_table('thread_settings')
