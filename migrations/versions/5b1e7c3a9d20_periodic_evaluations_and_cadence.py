"""periodic evaluations (evaluasi kinerja periodik) and the period's cadence

Revision ID: 5b1e7c3a9d20
Revises: b7e3c1a9d2f4
Create Date: 2026-12-03 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '5b1e7c3a9d20'
down_revision = 'b7e3c1a9d2f4'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN with a default: every existing period is quarterly (the default).
    op.add_column(
        'period',
        sa.Column(
            'cadence',
            sa.Enum('bulanan', 'triwulanan', 'semesteran', name='cadence', native_enum=False, length=12),
            nullable=False,
            server_default='triwulanan',
        ),
    )
    op.create_table(
        'periodic_evaluation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instansi_id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('evaluator_id', sa.Integer(), nullable=False),
        sa.Column('sub_period', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('draft', 'final', 'acknowledged', name='periodicstatus', native_enum=False, length=12), nullable=False),
        sa.Column('behaviour', sa.JSON(), nullable=False),
        sa.Column('suggested_hasil_kerja', sa.String(length=30), nullable=True),
        sa.Column('suggested_perilaku', sa.String(length=30), nullable=True),
        sa.Column('rating_hasil_kerja', sa.String(length=30), nullable=True),
        sa.Column('rating_perilaku', sa.String(length=30), nullable=True),
        sa.Column('departure_reason', sa.Text(), nullable=False),
        sa.Column('predikat', sa.String(length=30), nullable=True),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('steps', sa.JSON(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('acknowledged_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_periodic_evaluation_employee_id_employee')),
        sa.ForeignKeyConstraint(['evaluator_id'], ['employee.id'], name=op.f('fk_periodic_evaluation_evaluator_id_employee')),
        sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_periodic_evaluation_instansi_id_instansi')),
        sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_periodic_evaluation_period_id_period')),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_periodic_evaluation_plan_id_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_evaluation')),
        sa.UniqueConstraint('employee_id', 'period_id', 'sub_period', name=op.f('uq_periodic_evaluation_employee_id')),
    )
    op.create_index(op.f('ix_periodic_evaluation_evaluator_id'), 'periodic_evaluation', ['evaluator_id'])
    op.create_index(op.f('ix_periodic_evaluation_instansi_id'), 'periodic_evaluation', ['instansi_id'])
    op.create_index(op.f('ix_periodic_evaluation_plan_id'), 'periodic_evaluation', ['plan_id'])
    op.create_index('ix_periodic_evaluation_period_status', 'periodic_evaluation', ['period_id', 'status'])
    op.create_table(
        'periodic_target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('periodic_evaluation_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('planned', sa.Integer(), nullable=False),
        sa.Column('realised', sa.Integer(), nullable=False),
        sa.Column('evidence_count', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('steps', sa.JSON(), nullable=False),
        sa.Column('feedback', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['periodic_evaluation_id'], ['periodic_evaluation.id'], name=op.f('fk_periodic_target_periodic_evaluation_id_periodic_evaluation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_id'], ['target.id'], name=op.f('fk_periodic_target_target_id_target')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_target')),
        sa.UniqueConstraint('periodic_evaluation_id', 'target_id', name=op.f('uq_periodic_target_periodic_evaluation_id')),
    )
    op.create_index(op.f('ix_periodic_target_periodic_evaluation_id'), 'periodic_target', ['periodic_evaluation_id'])
    op.create_index(op.f('ix_periodic_target_target_id'), 'periodic_target', ['target_id'])


def downgrade():
    op.drop_table('periodic_target')
    op.drop_table('periodic_evaluation')
    with op.batch_alter_table('period') as batch_op:
        batch_op.drop_column('cadence')
