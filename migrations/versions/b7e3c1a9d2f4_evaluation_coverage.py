"""evaluations cover every approved target: exclusions, and scores without a final report

Revision ID: b7e3c1a9d2f4
Revises: 028fdb66045d
Create Date: 2026-12-03 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = 'b7e3c1a9d2f4'
down_revision = '028fdb66045d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'evaluation_exclusion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('evaluation_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('excluded_by_id', sa.Integer(), nullable=False),
        sa.Column('excluded_at', portal.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['evaluation_id'],
            ['evaluation.id'],
            name=op.f('fk_evaluation_exclusion_evaluation_id_evaluation'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['excluded_by_id'],
            ['employee.id'],
            name=op.f('fk_evaluation_exclusion_excluded_by_id_employee'),
        ),
        sa.ForeignKeyConstraint(
            ['target_id'], ['target.id'], name=op.f('fk_evaluation_exclusion_target_id_target')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_exclusion')),
        sa.UniqueConstraint(
            'evaluation_id', 'target_id', name=op.f('uq_evaluation_exclusion_evaluation_id')
        ),
    )
    op.create_index(
        op.f('ix_evaluation_exclusion_evaluation_id'),
        'evaluation_exclusion',
        ['evaluation_id'],
        unique=False,
    )
    op.create_index(
        op.f('ix_evaluation_exclusion_target_id'), 'evaluation_exclusion', ['target_id'], unique=False
    )
    # Plain ADD COLUMN (no batch copy of the table on SQLite).
    op.add_column(
        'evaluation_target',
        sa.Column('unreported', sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    with op.batch_alter_table('evaluation_target') as batch_op:
        batch_op.drop_column('unreported')
    op.drop_index(op.f('ix_evaluation_exclusion_target_id'), table_name='evaluation_exclusion')
    op.drop_index(op.f('ix_evaluation_exclusion_evaluation_id'), table_name='evaluation_exclusion')
    op.drop_table('evaluation_exclusion')
