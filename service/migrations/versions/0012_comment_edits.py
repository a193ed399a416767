"""edits and withdrawals by the author: earlier versions kept, the time of the last edit

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa

import service.models

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.add_column('comments', sa.Column('edited_at', service.models.UTCDateTime(timezone=True),
                                        nullable=True))
    op.create_table(
        'comment_versions',
        sa.Column('id', BigId, nullable=False),
        sa.Column('comment_id', BigId, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('policy_version', sa.String(length=80), nullable=False),
        sa.Column('model_version', sa.String(length=80), nullable=False),
        sa.Column('decided_by', sa.String(length=240), nullable=True),
        sa.Column('created_at', service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('replaced_at', service.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                                name='fk_comment_versions_comment_id_comments',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_comment_versions'),
    )
    op.create_index('ix_comment_versions_comment_id', 'comment_versions', ['comment_id'])


def downgrade():
    op.drop_index('ix_comment_versions_comment_id', table_name='comment_versions')
    op.drop_table('comment_versions')
    op.drop_column('comments', 'edited_at')
