"""The musrenbang database (besides `wilayah` in wilayah.py and the plumbing tables).

Aggregates are stored whole in a JSONB `doc` (the domain object, see codec.py) with a `version`
for optimistic concurrency; the columns beside it are copies for filtering, listing and sums.
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

kamus_item = sa.Table(
    "kamus_item", metadata,
    sa.Column("id", sa.Text, primary_key=True),  # "<pemda>/<tahun>/<kode>"
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("kode", sa.Text, nullable=False),
    sa.Column("doc", JSONB, nullable=False),
    sa.UniqueConstraint("pemda", "tahun", "kode", name="kamus_item_kode_per_cycle"),
)

jadwal = sa.Table(
    "jadwal", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("doc", JSONB, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),  # the stage close at kabupaten level
    sa.Column("manifest", JSONB),
)

usulan = sa.Table(
    "usulan", metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), unique=True, nullable=False),  # listing cursor
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("tracking_code", sa.Text, nullable=False, unique=True),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("kecamatan", sa.Text, nullable=False),
    sa.Column("desa", sa.Text, nullable=False),
    sa.Column("kamus_kode", sa.Text, nullable=False),
    sa.Column("opd", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # draft | submitted | withdrawn
    sa.Column("status_kecamatan", sa.Text, nullable=False),
    sa.Column("status_kabupaten", sa.Text, nullable=False),
    sa.Column("cost", sa.Numeric(20, 2), nullable=False),  # current cost (latest decision)
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("doc", JSONB, nullable=False),
    sa.Column("lampiran", JSONB, nullable=False, server_default="[]"),  # attachment metadata
    sa.Index("usulan_cycle_kecamatan", "pemda", "tahun", "kecamatan", "seq"),
    sa.Index("usulan_cycle_desa", "pemda", "tahun", "desa", "seq"),
    sa.Index("usulan_desa_kamus", "desa", "kamus_kode"),
)

skema_penilaian = sa.Table(
    "skema_penilaian", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("criteria", JSONB, nullable=False),  # [{name, weight, max_score}]
)

skor = sa.Table(
    "skor", metadata,
    sa.Column("usulan_id", sa.Text, sa.ForeignKey("usulan.id"), primary_key=True),
    sa.Column("scores", JSONB, nullable=False),  # {criterion: score}
    sa.Column("total", sa.Numeric(20, 4), nullable=False),
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

forum_kecamatan = sa.Table(
    "forum_kecamatan", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("kecamatan", sa.Text, primary_key=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_by", sa.Text, nullable=False),
    sa.Column("berita_acara", JSONB, nullable=False),  # meeting data, decisions, frozen ranking
    sa.Column("document", sa.Text, nullable=False),  # the berita acara as a Markdown document
    sa.Column("digest", sa.Text, nullable=False),
)

tindak_lanjut = sa.Table(  # follow-up: what the OPDs' Renja decided on a routed usulan (from events)
    "tindak_lanjut", metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("usulan_id", sa.Text, sa.ForeignKey("usulan.id"), nullable=False, index=True),
    sa.Column("opd", sa.Text, nullable=False),
    sa.Column("decision", sa.Text, nullable=False),  # diakomodasi | ditolak | dialihkan
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("renja_row_id", sa.Text),
    sa.Column("volume", sa.Numeric(20, 3)),
    sa.Column("cost", sa.Numeric(20, 2)),
    sa.Column("rerouted_to", sa.Text),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)

lampiran = sa.Table(  # attachments (photos, a PDF) of an usulan; the bytes are in the document store
    "lampiran", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("usulan_id", sa.Text, sa.ForeignKey("usulan.id"), nullable=False),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("jenis", sa.Text, nullable=False),  # foto | dokumen
    sa.Column("content_type", sa.Text, nullable=False),  # image/jpeg | application/pdf (sniffed)
    sa.Column("ukuran", sa.BigInteger, nullable=False),  # bytes as stored (after re-encoding)
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("storage_key", sa.Text, nullable=False, unique=True),
    sa.Column("lokasi_disimpan", sa.Boolean, nullable=False),  # a photo kept its GPS position
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("lampiran_usulan", "usulan_id", "created_at"),
)
