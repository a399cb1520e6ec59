"""The regulation's order (issue #16): the calendar copy, kecamatan closes, the RKPD penetapan lines,
Forum Perangkat Daerah; siklus gains `tata_urutan` (years already here are played under the old
order: "lama") and the Forum PD's form.

Revision ID: 0006
Revises: 0005_audit
"""
import sqlalchemy as sa
from alembic import op

from renja.tables import metadata

revision = "0006"
down_revision = "0005_audit"
branch_labels = None
depends_on = None

TABLES = ("kalender", "kecamatan_closed", "penetapan", "forum_pd")


def upgrade() -> None:
    # 0003 creates siklus from today's table definition (a fresh database has the columns already)
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("siklus")}
    if "tata_urutan" not in present:
        op.add_column("siklus", sa.Column("tata_urutan", sa.Text, nullable=False, server_default="lama"))
        op.alter_column("siklus", "tata_urutan", server_default="permendagri_86_2017")
    if "forum_pd_bentuk" not in present:
        op.add_column("siklus", sa.Column("forum_pd_bentuk", sa.Text, nullable=False, server_default="per_opd"))
    metadata.create_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)
    op.drop_column("siklus", "forum_pd_bentuk")
    op.drop_column("siklus", "tata_urutan")
