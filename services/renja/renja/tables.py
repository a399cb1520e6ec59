"""The renja database (besides the nomenclature master in nomenklatur.py and the plumbing).

Aggregates are stored whole in JSONB `doc` with a `version` (optimistic concurrency); columns
beside it are copies for filtering and sums.
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

opd = sa.Table(
    "opd", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("kode", sa.Text, primary_key=True),
    sa.Column("doc", JSONB, nullable=False),
)

siklus = sa.Table(  # a pemda's plan year: pinned to one nomenclature version; closed with a manifest
    "siklus", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("versi", sa.Text, nullable=False),
    sa.Column("closed_manifest", JSONB),
    # "lama" for a year already in the database before the calendar (migration 0006: no Forum PD,
    # finalising needs no RKPD penetapan); null: the calendar says (kalender_tahun); the Forum PD's
    # form: "per_opd" or "gabungan"
    sa.Column("tata_urutan", sa.Text),
    sa.Column("forum_pd_bentuk", sa.Text, nullable=False, server_default="per_opd"),
)

pagu = sa.Table(
    "pagu", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("opd", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("doc", JSONB, nullable=False),
)

renja_state = sa.Table(  # the lifecycle of one OPD's renja for one year
    "renja_state", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("opd", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("doc", JSONB, nullable=False),
)

renja_row = sa.Table(
    "renja_row", metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), unique=True, nullable=False),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("opd", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("sub_kegiatan", sa.Text, nullable=False),
    sa.Column("pagu_n", sa.Numeric(20, 2), nullable=False),
    sa.Column("pagu_n1", sa.Numeric(20, 2), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("doc", JSONB, nullable=False),
    sa.Index("renja_row_opd_year", "pemda", "tahun", "opd"),
)

inbox_item = sa.Table(
    "inbox_item", metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), unique=True, nullable=False),
    sa.Column("id", sa.Text, primary_key=True),  # deterministic from (source, source_id, opd)
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("opd", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("doc", JSONB, nullable=False),
    sa.Index("inbox_opd_year", "pemda", "tahun", "opd", "status"),
)

snapshot = sa.Table(
    "snapshot", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("opd", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("nama", sa.Text, primary_key=True),
    sa.Column("doc", JSONB, nullable=False),
)

kalender = sa.Table(  # Renja's copy of the planning calendar (Musrenbang's schedule events)
    "kalender", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("step", sa.Text, primary_key=True),
    sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),  # the time of the event it is from
)

kalender_tahun = sa.Table(  # the order the calendar of a year follows (stage.opened.v1 `tata_urutan`)
    "kalender_tahun", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("tata_urutan", sa.Text, nullable=False),
    sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
)

kecamatan_closed = sa.Table(  # kecamatan forums closed (kecamatan.closed.v1)
    "kecamatan_closed", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("kecamatan", sa.Text, primary_key=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("berita_acara_digest", sa.Text),
)

penetapan = sa.Table(  # the RKPD lines each OPD's Renja final must agree with (rkpd.published.v1)
    "penetapan", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("versi", sa.Text, nullable=False),  # penetapan | perubahan
    sa.Column("nomor", sa.Integer),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("doc", JSONB, nullable=False),  # {perkada, opd_lines}
)

forum_pd = sa.Table(  # a Forum Perangkat Daerah: per OPD (kunci = OPD code) or joint (kunci = "gabungan")
    "forum_pd", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("kunci", sa.Text, primary_key=True),
    sa.Column("doc", JSONB, nullable=False),
    sa.Column("berita_acara", sa.Text),  # the exact text its SHA-256 is of
)
