"""monthly reports (laporan bulanan): the report, its per-target words, its history

Revision ID: c41f5e8a7d20
Revises: 5b1e7c3a9d20
Create Date: 2026-12-03 13:50:00

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = 'c41f5e8a7d20'
down_revision = '5b1e7c3a9d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'monthly_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('instansi_id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('submitted_on', sa.Date(), nullable=True),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('return_reason', sa.Text(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', portal.models.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', portal.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint('month >= 1', name=op.f('ck_monthly_report_month_positive')),
        sa.CheckConstraint(
            "state IN ('draft', 'submitted', 'accepted', 'returned')",
            name=op.f('ck_monthly_report_state_known'),
        ),
        sa.ForeignKeyConstraint(
            ['employee_id'], ['employee.id'], name=op.f('fk_monthly_report_employee_id_employee')
        ),
        sa.ForeignKeyConstraint(
            ['instansi_id'], ['instansi.id'], name=op.f('fk_monthly_report_instansi_id_instansi')
        ),
        sa.ForeignKeyConstraint(
            ['period_id'], ['period.id'], name=op.f('fk_monthly_report_period_id_period')
        ),
        sa.ForeignKeyConstraint(
            ['reviewed_by_id'],
            ['employee.id'],
            name=op.f('fk_monthly_report_reviewed_by_id_employee'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_report')),
        sa.UniqueConstraint(
            'employee_id', 'period_id', 'month', name=op.f('uq_monthly_report_employee_id')
        ),
    )
    with op.batch_alter_table('monthly_report', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_monthly_report_employee_id'), ['employee_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_monthly_report_instansi_id'), ['instansi_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_monthly_report_period_id'), ['period_id'], unique=False)
        batch_op.create_index('ix_monthly_report_state', ['period_id', 'state'], unique=False)

    op.create_table(
        'monthly_report_target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('capaian', sa.Text(), nullable=False),
        sa.Column('kendala', sa.Text(), nullable=False),
        sa.Column('rencana', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['report_id'],
            ['monthly_report.id'],
            name=op.f('fk_monthly_report_target_report_id_monthly_report'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['target_id'],
            ['target.id'],
            name=op.f('fk_monthly_report_target_target_id_target'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_report_target')),
        sa.UniqueConstraint(
            'report_id', 'target_id', name=op.f('uq_monthly_report_target_report_id')
        ),
    )
    with op.batch_alter_table('monthly_report_target', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_monthly_report_target_report_id'), ['report_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_monthly_report_target_target_id'), ['target_id'], unique=False
        )

    op.create_table(
        'monthly_report_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('trigger', sa.String(length=20), nullable=False),
        sa.Column('from_state', sa.String(length=12), nullable=False),
        sa.Column('to_state', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('occurred_at', portal.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['actor_id'], ['employee.id'], name=op.f('fk_monthly_report_history_actor_id_employee')
        ),
        sa.ForeignKeyConstraint(
            ['report_id'],
            ['monthly_report.id'],
            name=op.f('fk_monthly_report_history_report_id_monthly_report'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_report_history')),
        sa.UniqueConstraint(
            'report_id', 'version', name=op.f('uq_monthly_report_history_report_id')
        ),
    )
    with op.batch_alter_table('monthly_report_history', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_monthly_report_history_report_id'), ['report_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('monthly_report_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monthly_report_history_report_id'))
    op.drop_table('monthly_report_history')
    with op.batch_alter_table('monthly_report_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monthly_report_target_target_id'))
        batch_op.drop_index(batch_op.f('ix_monthly_report_target_report_id'))
    op.drop_table('monthly_report_target')
    with op.batch_alter_table('monthly_report', schema=None) as batch_op:
        batch_op.drop_index('ix_monthly_report_state')
        batch_op.drop_index(batch_op.f('ix_monthly_report_period_id'))
        batch_op.drop_index(batch_op.f('ix_monthly_report_instansi_id'))
        batch_op.drop_index(batch_op.f('ix_monthly_report_employee_id'))
    op.drop_table('monthly_report')
