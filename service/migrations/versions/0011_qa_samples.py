"""a QA sample of published comments, graded by moderators

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa

import service.models

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'qa_samples',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('comment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('site', sa.String(length=100), nullable=False),
        sa.Column('sampled_at', service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('grade', sa.String(length=8), nullable=True),
        sa.Column('graded_by', sa.String(length=240), nullable=True),
        sa.Column('graded_at', service.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                                name='fk_qa_samples_comment_id_comments', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_qa_samples'),
        sa.UniqueConstraint('comment_id', name='uq_qa_samples_comment_id'),
    )
    op.create_index('ix_qa_samples_site_grade', 'qa_samples', ['site', 'grade', 'sampled_at'])


def downgrade():
    op.drop_index('ix_qa_samples_site_grade', table_name='qa_samples')
    op.drop_table('qa_samples')
