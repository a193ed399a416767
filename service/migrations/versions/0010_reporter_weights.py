"""reports weighted by each reporter's record: upheld reports count more, dismissed less

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('reports', sa.Column('weight', sa.Double(), server_default=sa.text('1'),
                                       nullable=False))
    op.add_column('comments', sa.Column('report_weight', sa.Double(),
                                        server_default=sa.text('0'), nullable=False))
    # Reports made before weights each counted one.
    op.execute("UPDATE comments SET report_weight = open_reports WHERE open_reports > 0")
    op.create_index('ix_reports_reporter', 'reports', ['reporter_key', 'closed_at'])


def downgrade():
    op.drop_index('ix_reports_reporter', table_name='reports')
    op.drop_column('comments', 'report_weight')
    op.drop_column('reports', 'weight')
