"""Establishments as users: registrations, plastic-reduction commitments, their follow-up;
units get their commune and tax code.

Revision ID: 0040
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0040'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('signed_ref', sa.Text(), nullable=True),
    sa.Column('signed_kind', sa.String(length=16), nullable=True),
    sa.Column('signed_channel', sa.String(length=16), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('awaiting_signature', 'submitted', 'verified', 'rejected')", name=op.f('ck_commitments_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_commitments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_commitments_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_commitments_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index('ix_commitments_status', ['status'], unique=False)
        batch_op.create_index('ix_commitments_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('org_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('new_unit', sa.Boolean(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rep_name', sa.String(length=255), nullable=True),
    sa.Column('rep_position', sa.String(length=255), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('tax_code', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['units.id'], name=op.f('fk_org_registrations_commune_id_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_org_registrations_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_org_registrations_unit_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_org_registrations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_registrations'))
    )
    with op.batch_alter_table('org_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_org_registrations_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_registrations_user_id'), ['user_id'], unique=False)

    op.create_table('commitment_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_actions_commitment_id_commitments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_actions')),
    sa.UniqueConstraint('commitment_id', 'key', name=op.f('uq_commitment_actions_commitment_id_key'))
    )
    with op.batch_alter_table('commitment_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_actions_commitment_id'), ['commitment_id'], unique=False)
        batch_op.create_index('ix_commitment_actions_due', ['status', 'due_date'], unique=False)

    op.create_table('action_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('round_key', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['commitment_actions.id'], name=op.f('fk_action_reminders_action_id_commitment_actions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_reminders')),
    sa.UniqueConstraint('action_id', 'round_key', name=op.f('uq_action_reminders_action_id_round_key'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commune_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('tax_code', sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_units_commune_id_units'), 'units', ['commune_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_units_commune_id_units'), type_='foreignkey')
        batch_op.drop_column('tax_code')
        batch_op.drop_column('commune_id')

    op.drop_table('action_reminders')
    with op.batch_alter_table('commitment_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_commitment_actions_due')
        batch_op.drop_index(batch_op.f('ix_commitment_actions_commitment_id'))

    op.drop_table('commitment_actions')
    with op.batch_alter_table('org_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_registrations_user_id'))
        batch_op.drop_index('ix_org_registrations_status')

    op.drop_table('org_registrations')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index('ix_commitments_unit_status')
        batch_op.drop_index('ix_commitments_status')

    op.drop_table('commitments')
