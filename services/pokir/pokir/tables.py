"""The pokir database (besides `wilayah`, see eplanning_common.wilayah, and the plumbing tables).

Aggregates are stored whole in JSONB `doc` with a `version` (optimistic concurrency); columns
beside it are copies for filtering and sums. `usulan_ref` and the window derived from the
Musrenbang schedule are this service's own copies of what Musrenbang published (it never reads Musrenbang's database).
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

register = sa.Table(  # the DPRD register of a term: dapil, anggota, staf ahli (domain DprdRegister)
    "register", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("periode", sa.Text, primary_key=True),
    sa.Column("doc", JSONB, nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("imported_by", sa.Text, nullable=False),
)

reses = sa.Table(
    "reses", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("anggota_id", sa.Text, nullable=False),
    sa.Column("doc", JSONB, nullable=False),
)

kamus_item = sa.Table(
    "kamus_item", metadata,
    sa.Column("id", sa.Text, primary_key=True),  # "<pemda>/<tahun>/<kode>"
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("kode", sa.Text, nullable=False),
    sa.Column("doc", JSONB, nullable=False),
)

jendela = sa.Table(  # the pokir window of a cycle; set by Bappeda or derived from Musrenbang's schedule
    "jendela", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("opens_at", sa.DateTime(timezone=True)),
    sa.Column("closes_at", sa.DateTime(timezone=True)),
    sa.Column("source", sa.Text, nullable=False),  # "bappeda" | "musrenbang"
    sa.Column("closed_manifest", JSONB),
    sa.Column("kalender", JSONB),  # copy of the planning calendar's windows by step (from Musrenbang's events)
)

pokir = sa.Table(
    "pokir", metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), unique=True, nullable=False),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("anggota_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("kecamatan", sa.Text, nullable=False),
    sa.Column("desa", sa.Text, nullable=False),
    sa.Column("kamus_kode", sa.Text, nullable=False),
    sa.Column("cost", sa.Numeric(20, 2), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("doc", JSONB, nullable=False),
    sa.Index("pokir_cycle_anggota", "pemda", "tahun", "anggota_id"),
    sa.Index("pokir_desa_kamus", "desa", "kamus_kode"),
)

usulan_ref = sa.Table(  # Musrenbang usulan as published (for overlap detection)
    "usulan_ref", metadata,
    sa.Column("usulan_id", sa.Text, primary_key=True),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("tracking_code", sa.Text, nullable=False),
    sa.Column("desa", sa.Text, nullable=False),
    sa.Column("kamus_kode", sa.Text, nullable=False),
    sa.Column("gagasan", sa.Text, nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("usulan_ref_desa_kamus", "desa", "kamus_kode"),
)

kebijakan = sa.Table(  # local policy per pemda and plan year: the per-member pokir ceiling (off unless set)
    "kebijakan", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("pagu_aktif", sa.Boolean, nullable=False),
    sa.Column("pagu_jumlah", sa.Numeric(20, 2)),
    sa.Column("set_by", sa.Text, nullable=False),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
)
