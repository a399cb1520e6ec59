"""The regulation's order (issue #16): the calendar copy, kecamatan closes, the RKPD penetapan lines,
Forum Perangkat Daerah; siklus gains `tata_urutan` (years already here are played under the old
order: "lama") and the Forum PD's form. A year set up from now on follows what its calendar says (`kalender_tahun`, from
Musrenbang's stage.opened.v1); a year without a calendar is played as before.

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

TABLES = ("kalender", "kalender_tahun", "kecamatan_closed", "penetapan", "forum_pd")


def upgrade() -> None:
    # 0003 creates siklus from today's table definition (a fresh database has the columns already)
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("siklus")}
    if "tata_urutan" not in present:
        op.add_column("siklus", sa.Column("tata_urutan", sa.Text))
    op.execute("UPDATE siklus SET tata_urutan = 'lama' WHERE tata_urutan IS NULL")  # the years already here
    if "forum_pd_bentuk" not in present:
        op.add_column("siklus", sa.Column("forum_pd_bentuk", sa.Text, nullable=False, server_default="per_opd"))
    metadata.create_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[t] for t in TABLES], checkfirst=True)
    op.drop_column("siklus", "forum_pd_bentuk")
    op.drop_column("siklus", "tata_urutan")
