"""employees: jenis ASN (PNS or PPPK); target revisions

Revision ID: 720ad47cb164
Revises: 37091c37f29e
Create Date: 2026-12-04 18:12:29.274976

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '720ad47cb164'
down_revision = '37091c37f29e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('target_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('occurred_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['employee.id'], name=op.f('fk_target_revision_actor_id_employee')),
    sa.ForeignKeyConstraint(['target_id'], ['target.id'], name=op.f('fk_target_revision_target_id_target'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_revision')),
    sa.UniqueConstraint('target_id', 'version', name=op.f('uq_target_revision_target_id'))
    )
    with op.batch_alter_table('target_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_revision_target_id'), ['target_id'], unique=False)

    # Plain ADD COLUMN, not a batch copy: on SQLite a batch would drop and re-create the
    # employee table, which every other table references. Everyone is a PNS until an
    # admin says otherwise (no PPPK could be entered before).
    op.add_column(
        'employee',
        sa.Column(
            'jenis_asn',
            sa.Enum('pns', 'pppk', name='jenisasn', native_enum=False, length=4),
            server_default='pns',
            nullable=False,
        ),
    )


def downgrade():
    # SQLite (3.35+) drops a column without constraints in place, as PostgreSQL does.
    op.drop_column('employee', 'jenis_asn')

    with op.batch_alter_table('target_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_revision_target_id'))

    op.drop_table('target_revision')
