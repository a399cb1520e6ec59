"""tindak_lanjut.mode: how the OPD accommodated a routed usulan (baris_baru, tambah, sudah_tercakup;
null for other verdicts and for decisions recorded before issue #16), shown in the usulan's trail.

Revision ID: 0008_tindak_lanjut_mode
Revises: 0007_kalender
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_tindak_lanjut_mode"
down_revision = "0007_kalender"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "mode" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("tindak_lanjut")}:
        op.add_column("tindak_lanjut", sa.Column("mode", sa.Text))


def downgrade() -> None:
    op.drop_column("tindak_lanjut", "mode")
