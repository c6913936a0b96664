"""targets: penugasan dari, the ketua tim of a tim kerja who assigned an RHK

One nullable column with its index and foreign key, added in place: no rebuild of the
target table (which every report, evaluation and comment references).

Revision ID: c3d9a1e4b7f2
Revises: 9f2284af6eef
Create Date: 2026-12-04 18:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d9a1e4b7f2'
down_revision = '9f2284af6eef'
branch_labels = None
depends_on = None


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # SQLite adds a column's foreign key only inline, as ALTER TABLE ADD COLUMN's
        # REFERENCES clause; its DROP COLUMN still works on such a column (3.35+).
        op.execute(
            'ALTER TABLE target ADD COLUMN assigned_by_id INTEGER '
            'CONSTRAINT fk_target_assigned_by_id_employee REFERENCES employee (id)'
        )
    else:
        op.add_column('target', sa.Column('assigned_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f('fk_target_assigned_by_id_employee'), 'target', 'employee',
            ['assigned_by_id'], ['id'],
        )
    op.create_index(op.f('ix_target_assigned_by_id'), 'target', ['assigned_by_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_target_assigned_by_id'), table_name='target')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('fk_target_assigned_by_id_employee'), 'target', type_='foreignkey')
    op.drop_column('target', 'assigned_by_id')
