"""Contest (task I.4): contests, rounds, question banks, entries, attempts and answers; units.students.

Revision ID: 0030
Revises: 0040
Create Date: 2026-11-25 17:20:00.239553
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0030'
down_revision: str | None = '0040'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contest_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('correct', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('difficulty', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=128), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_questions')),
    sa.UniqueConstraint('bank', 'code', name=op.f('uq_contest_questions_bank_code'))
    )
    with op.batch_alter_table('contest_questions', schema=None) as batch_op:
        batch_op.create_index('ix_contest_questions_bank_active', ['bank', 'active'], unique=False)

    op.create_table('contests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('organisers', sa.Text(), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contests')),
    sa.UniqueConstraint('code', name=op.f('uq_contests_code'))
    )
    op.create_table('contest_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('bank', sa.String(length=64), nullable=False),
    sa.Column('question_count', sa.Integer(), nullable=False),
    sa.Column('time_limit_seconds', sa.Integer(), nullable=False),
    sa.Column('attempts_rule', sa.String(length=8), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('human_min_seconds', sa.Float(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('results_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_rounds_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_rounds')),
    sa.UniqueConstraint('contest_id', 'number', name=op.f('uq_contest_rounds_contest_id_number'))
    )
    op.create_table('contest_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=100), nullable=True),
    sa.Column('name_key', sa.String(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_name', sa.String(length=20), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('child', sa.Boolean(), nullable=False),
    sa.Column('guardian_name', sa.String(length=100), nullable=True),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('guardian_consented_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erase_requested', sa.Boolean(), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['contest_rounds.id'], name=op.f('fk_contest_entries_round_id_contest_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['units.id'], name=op.f('fk_contest_entries_school_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contest_entries_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_entries')),
    sa.UniqueConstraint('round_id', 'name_key', 'birth_date', 'school_id', name=op.f('uq_contest_entries_round_id_name_key_birth_date_school_id')),
    sa.UniqueConstraint('round_id', 'user_id', name=op.f('uq_contest_entries_round_id_user_id'))
    )
    with op.batch_alter_table('contest_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_entries_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_entries_user_id'), ['user_id'], unique=False)

    op.create_table('contest_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('charged_ms', sa.Integer(), nullable=False),
    sa.Column('queue_ms', sa.Integer(), nullable=False),
    sa.Column('prediction', sa.Integer(), nullable=True),
    sa.Column('timed_out', sa.Boolean(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['contest_entries.id'], name=op.f('fk_contest_attempts_entry_id_contest_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['contest_rounds.id'], name=op.f('fk_contest_attempts_round_id_contest_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_attempts')),
    sa.UniqueConstraint('entry_id', 'number', name=op.f('uq_contest_attempts_entry_id_number'))
    )
    with op.batch_alter_table('contest_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_contest_attempts_round_status', ['round_id', 'status'], unique=False)

    op.create_table('contest_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=16), nullable=False),
    sa.Column('order', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('selection', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['contest_attempts.id'], name=op.f('fk_contest_items_attempt_id_contest_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['contest_questions.id'], name=op.f('fk_contest_items_question_id_contest_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_items')),
    sa.UniqueConstraint('attempt_id', 'position', name=op.f('uq_contest_items_attempt_id_position')),
    sa.UniqueConstraint('token', name=op.f('uq_contest_items_token'))
    )
    op.create_table('contest_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('chosen', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('charged_ms', sa.Integer(), nullable=False),
    sa.Column('queue_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['contest_attempts.id'], name=op.f('fk_contest_answers_attempt_id_contest_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['contest_items.id'], name=op.f('fk_contest_answers_item_id_contest_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_answers')),
    sa.UniqueConstraint('item_id', name=op.f('uq_contest_answers_item_id'))
    )
    with op.batch_alter_table('contest_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_answers_attempt_id'), ['attempt_id'], unique=False)

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('students', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('students')

    with op.batch_alter_table('contest_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_answers_attempt_id'))

    op.drop_table('contest_answers')
    op.drop_table('contest_items')
    with op.batch_alter_table('contest_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_contest_attempts_round_status')

    op.drop_table('contest_attempts')
    with op.batch_alter_table('contest_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_entries_user_id'))
        batch_op.drop_index(batch_op.f('ix_contest_entries_school_id'))

    op.drop_table('contest_entries')
    op.drop_table('contest_rounds')
    op.drop_table('contests')
    with op.batch_alter_table('contest_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_contest_questions_bank_active')

    op.drop_table('contest_questions')
