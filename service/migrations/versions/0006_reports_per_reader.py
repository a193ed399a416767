"""one open report per reader per comment: who each report counts as, uniquely indexed

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Reports made before this migration have no reporter key; they keep counting as they did.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OPEN = sa.text("closed_at IS NULL")


def upgrade():
    with op.batch_alter_table('reports') as batch:
        batch.add_column(sa.Column('reporter_key', sa.String(length=340), nullable=True))
    op.create_index('ix_reports_open_per_reader', 'reports', ['comment_id', 'reporter_key'],
                    unique=True, postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    op.drop_index('ix_reports_open_per_reader', table_name='reports')
    with op.batch_alter_table('reports') as batch:
        batch.drop_column('reporter_key')
