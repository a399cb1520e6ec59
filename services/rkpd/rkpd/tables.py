"""The rkpd database: this service's copies of what the stages published (from their events, or
a resync over RPC), the stage closes with their manifests, and the assembled versions."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

stage = sa.Table(  # one row per upstream stage close (musrenbang | pokir | renja)
    "stage", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("stage", sa.Text, primary_key=True),
    sa.Column("manifest", JSONB, nullable=False),
    sa.Column("closed_event", sa.Text, nullable=False),
    sa.Column("forum", JSONB),  # Musrenbang RKPD's forum record (calendar years), with the musrenbang close
)

usulan_base = sa.Table(
    "usulan_base", metadata,
    sa.Column("usulan_id", sa.Text, primary_key=True),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("data", JSONB, nullable=False),
    sa.Index("usulan_base_cycle", "pemda", "tahun"),
)

usulan_decision = sa.Table(  # one decision per level (a level decides once)
    "usulan_decision", metadata,
    sa.Column("usulan_id", sa.Text, primary_key=True),
    sa.Column("level", sa.Text, primary_key=True),
    sa.Column("data", JSONB, nullable=False),
)

opd_decision = sa.Table(  # Renja's decisions on usulan and pokir, in the order they were made
    "opd_decision", metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("source_id", sa.Text, nullable=False, index=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("data", JSONB, nullable=False),
)

pokir_copy = sa.Table(
    "pokir_copy", metadata,
    sa.Column("pokir_id", sa.Text, primary_key=True),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Index("pokir_copy_cycle", "pemda", "tahun"),
)

renja_row_copy = sa.Table(
    "renja_row_copy", metadata,
    sa.Column("row_id", sa.Text, primary_key=True),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("data", JSONB, nullable=False),
    sa.Index("renja_row_copy_cycle", "pemda", "tahun"),
)

narrative = sa.Table(  # Bappeda's narrative sections per chapter
    "narrative", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("bab", sa.Text, primary_key=True),
    sa.Column("sections", JSONB, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),  # If-Match (narrative_edits)
)

rkpd_version = sa.Table(
    "rkpd_version", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("nomor", sa.Integer, primary_key=True),
    sa.Column("versi", sa.Text, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("files", JSONB, nullable=False),
    sa.Column("diff", JSONB),
    sa.Column("stale_reason", sa.Text),
    sa.Column("ditetapkan", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("published", sa.Boolean, nullable=False, server_default=sa.false()),  # rkpd.published.v1
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("document", JSONB, nullable=False),
)

waiting = sa.Table(  # what the assembly waits for (shown by `status`)
    "waiting", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("reasons", JSONB, nullable=False),
    sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    info={"audit": False},  # derived, rewritten by every recheck: not a decision anyone made
)

cycle = sa.Table(  # which order a pemda/year follows, and Bappeda's rancangan awal settings
    "rkpd_cycle", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("tata_urutan", sa.Text, nullable=False),  # lama | permendagri_86_2017
    sa.Column("prioritas", JSONB, nullable=False, server_default="[]"),
    sa.Column("pagu_kewilayahan", JSONB, nullable=False, server_default="[]"),
    sa.Column("settings_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_by", sa.Text),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

pagu_copy = sa.Table(  # Renja's pagu.set.v1: the indicative ceiling per OPD (newest event wins)
    "pagu_copy", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("opd", sa.Text, primary_key=True),
    sa.Column("pagu_n", sa.Text, nullable=False),
    sa.Column("pagu_n1", sa.Text, nullable=False),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
)

forum_close = sa.Table(  # Renja's forum_pd.closed.v1: one per OPD, or one joint forum ("gabungan")
    "forum_close", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("forum", sa.Text, primary_key=True),  # the OPD code, or "gabungan"
    sa.Column("opds", JSONB, nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("closed_event", sa.Text, nullable=False),
)

pokir_review = sa.Table(  # Pokir's pokir.reviewed.v1: Bappeda's latest review of each pokir
    "pokir_review", metadata,
    sa.Column("pokir_id", sa.Text, primary_key=True),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Index("pokir_review_cycle", "pemda", "tahun"),
)

perubahan = sa.Table(  # a Perubahan RKPD: opened by Bappeda on a fixed version, then assembled
    "perubahan", metadata,
    sa.Column("pemda", sa.Text, primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("nomor_dasar", sa.Integer, primary_key=True),
    sa.Column("opds", JSONB, nullable=False),
    sa.Column("alasan", sa.Text, nullable=False),
    sa.Column("opened_by", sa.Text, nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("nomor_versi", sa.Integer),  # the perubahan version, once assembled
)
