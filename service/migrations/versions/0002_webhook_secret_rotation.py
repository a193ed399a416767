"""webhook secret rotation: the previous secret and when it stops signing

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa

import service.models


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns: adding them is an ALTER TABLE ... ADD COLUMN on both databases
    # (no copy of the table on SQLite), and existing endpoints have no previous secret.
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_secret', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('previous_secret_expires_at', service.models.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    # Not in batch mode: on SQLite a batch drop copies the table and drops the original,
    # and with foreign keys on, dropping webhook_endpoints would cascade-delete every
    # delivery.  SQLite 3.35+ and PostgreSQL drop a plain column in place.
    op.drop_column('webhook_endpoints', 'previous_secret_expires_at')
    op.drop_column('webhook_endpoints', 'previous_secret')
