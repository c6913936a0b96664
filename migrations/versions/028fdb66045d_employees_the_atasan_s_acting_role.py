"""employees: the atasan's acting role (Plt./Plh.)

Revision ID: 028fdb66045d
Revises: 7cf82c1748bf
Create Date: 2026-11-28 12:37:53.659183

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '028fdb66045d'
down_revision = '7cf82c1748bf'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, not a batch copy: on SQLite a batch would drop and re-create the
    # employee table, which every other table references.
    op.add_column(
        'employee',
        sa.Column('atasan_acting', sa.String(length=3), nullable=False, server_default=''),
    )
    name = op.f('fk_employee_atasan_acting_for_id_employee')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column's reference only in its definition.
        op.execute(
            'ALTER TABLE employee ADD COLUMN atasan_acting_for_id INTEGER '
            f'CONSTRAINT {name} REFERENCES employee (id)'
        )
    else:
        op.add_column('employee', sa.Column('atasan_acting_for_id', sa.Integer(), nullable=True))
        op.create_foreign_key(name, 'employee', 'employee', ['atasan_acting_for_id'], ['id'])


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite (3.35+) drops a column whose only constraint is its own reference.
        op.execute('ALTER TABLE employee DROP COLUMN atasan_acting_for_id')
    else:
        op.drop_constraint(
            op.f('fk_employee_atasan_acting_for_id_employee'), 'employee', type_='foreignkey'
        )
        op.drop_column('employee', 'atasan_acting_for_id')
    op.drop_column('employee', 'atasan_acting')
