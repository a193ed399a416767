"""moderator sessions: who is signed in to the /moderate page, and their CSRF token

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

import service.models


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'moderator_sessions',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('key_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=True),
        sa.Column('created_at', service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', service.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['key_id'], ['api_keys.id'],
                                name=op.f('fk_moderator_sessions_key_id_api_keys'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_moderator_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_moderator_sessions_token_hash')),
    )
    with op.batch_alter_table('moderator_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderator_sessions_key_id'), ['key_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('moderator_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderator_sessions_key_id'))
    op.drop_table('moderator_sessions')
