"""the site's own author id on comments, for history, bans and flood checks

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

REJECTED_BY_MODERATOR = "status = 'rejected' AND decided_by IS NOT NULL"


def upgrade():
    op.add_column('comments', sa.Column('author_id', sa.String(length=200), nullable=True))
    op.create_index('ix_comments_author_id_recent', 'comments',
                    ['site', 'author_id', 'created_at'],
                    postgresql_where=sa.text('author_id IS NOT NULL'),
                    sqlite_where=sa.text('author_id IS NOT NULL'))
    op.create_index('ix_comments_author_id_rejected', 'comments', ['site', 'author_id'],
                    postgresql_where=sa.text(REJECTED_BY_MODERATOR),
                    sqlite_where=sa.text(REJECTED_BY_MODERATOR))


def downgrade():
    op.drop_index('ix_comments_author_id_rejected', table_name='comments')
    op.drop_index('ix_comments_author_id_recent', table_name='comments')
    op.drop_column('comments', 'author_id')
