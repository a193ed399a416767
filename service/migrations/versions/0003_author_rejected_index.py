"""an index of moderator-rejected comments by author, for the policy's author record

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

PREDICATE = sa.text("status = 'rejected' AND decided_by IS NOT NULL")


# Plain CREATE/DROP INDEX (not batch mode): SQLite needs no copy of the table for these.
def upgrade():
    op.create_index('ix_comments_author_rejected', 'comments', ['site', 'author_email'],
                    unique=False, postgresql_where=PREDICATE, sqlite_where=PREDICATE)


def downgrade():
    op.drop_index('ix_comments_author_rejected', table_name='comments')
