"""safe retries: a comment keeps the Idempotency-Key it was stored under

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

KEYED = sa.text("idempotency_key IS NOT NULL")


def upgrade():
    with op.batch_alter_table('comments') as batch:
        batch.add_column(sa.Column('idempotency_key', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('request_hash', sa.String(length=64), nullable=True))
    op.create_index('ix_comments_idempotency_key', 'comments', ['idempotency_key'],
                    unique=True, postgresql_where=KEYED, sqlite_where=KEYED)


def downgrade():
    op.drop_index('ix_comments_idempotency_key', table_name='comments')
    with op.batch_alter_table('comments') as batch:
        batch.drop_column('request_hash')
        batch.drop_column('idempotency_key')
