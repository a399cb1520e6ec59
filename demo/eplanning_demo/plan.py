"""The demo cycle as data: who does what, with which values and which decisions.

Pure and deterministic: `build_plan(reference, seed, scale, territory)` reads nothing but its
arguments, and the same arguments give the same plan (every random choice comes from
`random.Random` seeded with text, which does not depend on PYTHONHASHSEED). `load_reference()`
reads the project's reference data (data/wilayah_indonesia.csv, data/nomenklatur_kabkota.csv and
the demo registers in data/demo/).

What a plan holds, for one pemda and plan year:

* users for every role: Bappeda, Setwan, an operator per desa and per kecamatan, an operator per
  OPD, every DPRD member and their staf ahli;
* a kamus usulan generated for the community-facing OPDs (urusan 1-3): real regular kab/kota
  sub-kegiatan codes of each OPD's bidang (never the X.XX support program), with illustrative
  unit prices and volume ceilings;
* the year's priorities (the rancangan awal RKPD) and each OPD's indicative ceiling;
* about 1,600 x `scale` usulan spread over the desa (domain.md: 1,600 in a 12-kecamatan
  kabupaten), each decided at desa, scored and ranked at the kecamatan forum (the best ranked
  ~26% accepted, as 380 of 1,600; the others rejected or merged into an accepted one of the same
  kamus item); the accepted ones go to their OPD when the kecamatan forum closes (Permendagri
  86/2017: the Forum Perangkat Daerah takes them in); every decision but `diterima` has a reason;
* reses and pokir of every DPRD member inside their dapil and under their pagu, about a third of
  them overlapping an usulan (same desa, same kamus item, same text); Setwan recommends and
  delivers them all; Bappeda reviews each (kajian): most are `layak` and disposed to their OPD,
  some `tidak_layak` (outside the region's authority, or a duplicate of the usulan they repeat);
* each OPD's decision on every usulan and pokir routed to it (accommodate into a renja row,
  reject with a reason, or re-route to another OPD of the same bidang, which then decides); an
  accommodation says what it adds: a new row made from the item (`baris_baru`), the item's
  volume, desa and money added to an existing row (`tambah`), or a row drafted for it beforehand
  that already covers it (`sudah_tercakup`);
* each OPD's renja rows: one per sub-kegiatan it accommodates (made by the first decision that
  takes an item in, or drafted by the OPD against its ceiling), plus rows of its own (the support
  program, other sub-kegiatan of its bidang); a few renja are returned once by Bappeda before
  they are verified and made final after the penetapan.

`Territory` narrows the cycle (some kecamatan, some desa per kecamatan, some OPD, some members)
for tests; `scale` multiplies the number of usulan and pokir.
"""
from __future__ import annotations

import csv
import io
import math
import os
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterable

PEMDA = "12.21"
TAHUN = 2027
USULAN_PER_DESA = 1600 / 304  # domain.md: ~1,600 usulan; Padang Lawas has 304 desa/kelurahan
KECAMATAN_ACCEPT_RATIO = 380 / 1470  # 380 accepted of the ~1,470 a kecamatan forum ranks
POKIR_PER_MEMBER = 5
KAMUS_PER_OPD = 6
MAX_ITEM_COST = 3_000_000_000  # a volume ceiling per kamus item: no single usulan above ~Rp3 M
CRITERIA = (("urgensi", "0.4", 5), ("manfaat", "0.35", 5), ("kesiapan", "0.25", 5))
DITERIMA, DENGAN_PERUBAHAN, DITOLAK, DIGABUNG = "diterima", "diterima dengan perubahan", "ditolak", "digabung"
ACCEPTED = frozenset({DITERIMA, DENGAN_PERUBAHAN})
ACCOMMODATE, REJECT, REROUTE = "accommodate", "reject", "reroute"

# -- texts (Bahasa Indonesia, as the operators would write them) -------------------------------
DESA_REJECT = ("Sudah dibiayai Dana Desa tahun berjalan", "Lokasi belum bebas dari sengketa lahan",
               "Bukan kewenangan pemerintah kabupaten", "Usulan ganda dengan usulan lain dari desa yang sama")
DESA_CHANGE = ("Volume disesuaikan dengan hasil musyawarah desa", "Volume dikurangi sesuai kebutuhan riil di lapangan")
KEC_REJECT = ("Nilai prioritas di bawah batas pagu kecamatan", "Belum didukung data kebutuhan yang memadai",
              "Lebih tepat dibiayai melalui Dana Desa", "Kalah prioritas dalam pemeringkatan forum kecamatan")
KEC_CHANGE = ("Volume disesuaikan dengan pagu indikatif kecamatan", "Volume disesuaikan hasil verifikasi lapangan")
KEC_MERGE = ("Digabung dengan usulan sejenis dari desa tetangga dalam satu kecamatan",
             "Lokasi berdekatan; digabung dengan usulan sejenis")
KAB_REJECT = ("Tidak sejalan dengan prioritas pembangunan daerah tahun {tahun}",
              "Merupakan kewenangan pemerintah provinsi", "Sudah tertampung dalam program perangkat daerah",
              "Melebihi kemampuan keuangan daerah tahun {tahun}")
PRIORITAS = ("Peningkatan infrastruktur jalan, jembatan dan air bersih perdesaan",
             "Peningkatan mutu layanan pendidikan dan kesehatan dasar",
             "Penguatan ekonomi kerakyatan: pertanian, perkebunan dan UMKM",
             "Tata kelola pemerintahan yang efektif dan pelayanan publik yang cepat")
KAJIAN_LAYAK = {"kewenangan": True, "sesuai_prioritas": True, "duplikat_usulan": None, "biaya_wajar": True}
POKIR_NOT_AUTHORITY = "Urusan kewenangan pemerintah provinsi; disampaikan kepada pemerintah provinsi"
POKIR_DUPLICATE = "Sama dengan usulan Musrenbang yang sudah dibahas di Forum Perangkat Daerah"
KAB_CHANGE = ("Volume disesuaikan dengan kemampuan keuangan daerah", "Volume disesuaikan dengan standar harga satuan")
OPD_REJECT = ("Tidak sesuai dengan rencana strategis perangkat daerah", "Sudah dianggarkan melalui DAK tahun berjalan",
              "Belum memenuhi kesiapan lahan dan dokumen teknis", "Pagu indikatif perangkat daerah tidak mencukupi")
POKIR_REJECT = ("Tidak sesuai dengan rencana strategis perangkat daerah",
                "Sudah tertampung melalui usulan Musrenbang", "Belum memenuhi kesiapan lahan dan dokumen teknis")
REROUTE_REASON = "Sesuai tugas dan fungsi, ditangani oleh {nama}"
ACCOMMODATE_NOTE = "Diakomodasi dalam Renja {tahun}"
SETWAN_CATATAN = ("Layak; sesuai hasil reses dan RPJMD", "Layak diteruskan ke Bappeda",
                  "Sesuai aspirasi masyarakat dapil")
RETURN_NOTE = "Lengkapi indikator kinerja dan sesuaikan target dengan pagu indikatif"
PERMASALAHAN = ("Kebutuhan akan {obj} di Desa {desa} belum terpenuhi",
                "Masyarakat Desa {desa} mengeluhkan belum adanya {obj}",
                "Hasil musyawarah dusun di Desa {desa}: {obj} sangat dibutuhkan warga",
                "Kondisi layanan di Desa {desa} belum memadai; warga meminta {obj}")
KELOMPOK = ("LPM", "PKK", "Karang Taruna", "Kelompok Tani", "BPD", "Tokoh Masyarakat", "Kelompok Wanita Tani",
            "Remaja Masjid")
SUMBER_DANA = ("DAU", "DAU", "DAU", "DAK Fisik", "DBH", "PAD")

# satuan (lower case) -> illustrative unit price range in rupiah (log-uniform), for the kamus
PRICE_RANGES = (
    (("km",), 600_000_000, 2_500_000_000),
    (("unit", "unit rumah", "bangunan gedung", "ruang", "sarana", "bendungan"), 40_000_000, 900_000_000),
    (("paket", "lokasi", "titik", "desa", "desa/kelurahan"), 30_000_000, 400_000_000),
    (("meter",), 400_000, 2_500_000),
    (("ha", "hektar"), 4_000_000, 40_000_000),
    (("m³/hari", "liter/detik"), 20_000_000, 120_000_000),
    (("ton", "ton/hari"), 2_000_000, 15_000_000),
    (("orang", "peserta didik", "keluarga", "kk", "kepala keluarga", "rumah tangga"), 750_000, 7_500_000),
    (("kelompok", "kelompok masyarakat", "lembaga", "unit usaha", "umkm", "pelaku usaha", "usaha",
      "satuan pendidikan", "organisasi", "komunitas"), 10_000_000, 80_000_000),
)
DEFAULT_PRICE_RANGE = (15_000_000, 150_000_000)
#: what a village proposes: things and services counted in these units (not documents or reports)
COMMUNITY_SATUAN = frozenset(s for names, _, _ in PRICE_RANGES for s in names)


# -- reference data -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SubKegiatan:
    kode: str
    nama: str
    indikator: str
    satuan: str

    @property
    def bidang(self) -> str:
        return ".".join(self.kode.split(".")[:2])


@dataclass(frozen=True)
class Opd:
    kode: str
    nama: str
    bidang: tuple[str, ...]

    @property
    def community(self) -> bool:
        """Receives community proposals: every bidang in urusan 1-3 (not the secretariats,
        planning, finance, inspectorate, kecamatan offices or kesbangpol)."""
        return all(b.split(".")[0] in ("1", "2", "3") for b in self.bidang)


@dataclass(frozen=True)
class Dapil:
    kode: str
    nama: str
    kecamatan: tuple[str, ...]


@dataclass(frozen=True)
class Anggota:
    id: str
    nama: str
    fraksi: str
    dapil: str
    pagu: Decimal | None


@dataclass(frozen=True)
class StafAhli:
    id: str
    nama: str
    anggota_id: str


@dataclass(frozen=True)
class Reference:
    """The reference data a plan is built from (see `load_reference`)."""

    pemda: str
    pemda_nama: str
    kecamatan: tuple[tuple[str, str], ...]  # (kode, nama), sorted by kode
    desa: dict[str, tuple[tuple[str, str], ...]]  # kecamatan -> ((kode, nama), ...)
    sub_kegiatan: tuple[SubKegiatan, ...]  # regular kab/kota codes (4th segment 2), stored ones
    templates: tuple[SubKegiatan, ...]  # the X.XX support program's regular sub-kegiatan
    opd: tuple[Opd, ...]
    opd_csv: str
    dapil: tuple[Dapil, ...]
    anggota: tuple[Anggota, ...]
    staf_ahli: tuple[StafAhli, ...]
    register_csv: dict[str, str]  # {"dapil": ..., "anggota": ..., "staf_ahli": ...} as in data/demo

    def desa_name(self, kode: str) -> str:
        return next(n for k, n in self.desa[kode.rsplit(".", 1)[0]] if k == kode)

    def kecamatan_name(self, kode: str) -> str:
        return dict(self.kecamatan)[kode]


def default_data_dir() -> Path:
    """EPLANNING_DATA_DIR, else the clone's data/ (this package lives in <clone>/demo/)."""
    configured = os.environ.get("EPLANNING_DATA_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "data"


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_reference(data_dir: Path | None = None, pemda: str = PEMDA) -> Reference:
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    pemda_nama, kecamatan, desa = pemda, [], defaultdict(list)
    with open(data_dir / "wilayah_indonesia.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            kode = row["kode"]
            if kode == pemda:
                pemda_nama = row["nama"]
            elif kode.startswith(pemda + "."):
                if row["tingkat"] == "kecamatan":
                    kecamatan.append((kode, row["nama"]))
                elif row["tingkat"] == "desa_kelurahan":
                    desa[kode.rsplit(".", 1)[0]].append((kode, row["nama"]))
    if not kecamatan:
        raise ValueError(f"no kecamatan of pemda {pemda} in {data_dir / 'wilayah_indonesia.csv'}")
    regular, templates = [], []
    for row in _read_csv(data_dir / "nomenklatur_kabkota.csv"):
        parts = row["kode"].split(".")
        if row["tingkat"] != "sub_kegiatan" or parts[3] != "2":
            continue
        item = SubKegiatan(row["kode"], row["nama"], row["indikator"], row["satuan"])
        (templates if row["kode"].startswith("X.") else regular).append(item)
    demo = data_dir / "demo"
    opd_path = demo / f"opd_{pemda}.csv"
    opds = tuple(Opd(r["kode"], r["nama"], tuple(r["bidang"].split())) for r in _read_csv(opd_path))
    dapil = tuple(Dapil(r["kode"], r["nama"], tuple(r["kecamatan"].replace(";", " ").split()))
                  for r in _read_csv(demo / f"dprd_dapil_{pemda}.csv"))
    anggota = tuple(Anggota(r["id"], r["nama"], r["fraksi"], r["dapil"],
                            Decimal(r["pagu"]) if (r.get("pagu") or "").strip() else None)
                    for r in _read_csv(demo / f"dprd_anggota_{pemda}.csv"))
    staf = tuple(StafAhli(r["id"], r["nama"], r["anggota_id"]) for r in _read_csv(demo / f"dprd_staf_ahli_{pemda}.csv"))
    register_csv = {name: (demo / f"dprd_{name}_{pemda}.csv").read_text(encoding="utf-8")
                    for name in ("dapil", "anggota", "staf_ahli")}

    def code_key(kode: str) -> tuple:
        return tuple(int(p) for p in kode.split("."))

    return Reference(
        pemda=pemda, pemda_nama=pemda_nama, kecamatan=tuple(sorted(kecamatan, key=lambda k: code_key(k[0]))),
        desa={k: tuple(sorted(v, key=lambda d: code_key(d[0]))) for k, v in desa.items()},
        sub_kegiatan=tuple(regular), templates=tuple(templates), opd=opds,
        opd_csv=opd_path.read_text(encoding="utf-8"), dapil=dapil, anggota=anggota, staf_ahli=staf,
        register_csv=register_csv)


# -- the plan -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Territory:
    """Which part of the pemda plays: None means all of it."""

    kecamatan: tuple[str, ...] | None = None
    desa_per_kecamatan: int | None = None  # the first N desa (by code) of each kecamatan
    opd: tuple[str, ...] | None = None  # the OPD register imported (every one must close its renja)
    anggota: tuple[str, ...] | None = None  # DPRD members who enter pokir (the register is imported whole)


@dataclass(frozen=True)
class User:
    username: str
    role: str
    wilayah: str | None = None
    opd: str | None = None
    anggota_id: str | None = None

    def scope(self) -> dict:
        return {k: v for k, v in (("wilayah", self.wilayah), ("opd", self.opd), ("anggota_id", self.anggota_id))
                if v is not None}


@dataclass(frozen=True)
class KamusItem:
    kode: str
    nama: str
    sub_kegiatan: str
    opd: str
    satuan: str
    harga_satuan: int
    volume_maks: int


@dataclass(frozen=True)
class Decision:
    """A Musrenbang decision at one level."""

    status: str
    reason: str | None = None
    revised_volume: int | None = None
    merge_into: int | None = None  # the target usulan's number (digabung)


@dataclass(frozen=True)
class FollowUp:
    """An OPD's decision on an inbox item; a re-route names the target OPD's decision in `then`."""

    opd: str
    decision: str  # accommodate | reject | reroute
    reason: str | None = None
    row: str | None = None  # the key of the renja row that accommodates the item
    new_row: bool = False  # this decision creates that row (accommodate into a new row: baris_baru)
    mode: str | None = None  # baris_baru | tambah | sudah_tercakup (accommodate)
    to_opd: str | None = None
    then: "FollowUp | None" = None

    @property
    def final(self) -> "FollowUp":
        return self.then.final if self.then is not None else self

    def chain(self) -> list["FollowUp"]:
        return [self] + (self.then.chain() if self.then is not None else [])


@dataclass
class Usulan:
    n: int
    key: str
    desa: str
    kecamatan: str
    kamus: str
    volume: int
    cost: int
    permasalahan: str
    gagasan: str
    pengusul: dict
    withdrawn: bool = False
    desa_decision: Decision | None = None
    kecamatan_decision: Decision | None = None
    kabupaten_decision: Decision | None = None
    scores: dict | None = None
    volume_final: int = 0
    cost_final: int = 0
    follow_up: FollowUp | None = None

    @property
    def decisions(self) -> list[tuple[str, Decision]]:
        return [(level, d) for level, d in (("desa", self.desa_decision), ("kecamatan", self.kecamatan_decision),
                                            ("kabupaten", self.kabupaten_decision)) if d is not None]

    @property
    def routed(self) -> bool:
        """Accepted at the kecamatan forum: routed to its OPD when that forum closes."""
        return (not self.withdrawn and self.kecamatan_decision is not None
                and self.kecamatan_decision.status in ACCEPTED)

    @property
    def status_musrenbang(self) -> str:
        """The last decision's status ("ditarik" when withdrawn), as the RKPD annex shows it."""
        if self.withdrawn:
            return "ditarik"
        return self.decisions[-1][1].status

    @property
    def status_akhir(self) -> str:
        """The final status the RKPD annex shows (rkpd.domain.lampiran.final_status)."""
        if not self.routed:
            return self.status_musrenbang
        return {ACCOMMODATE: "diakomodasi", REJECT: "tidak diakomodasi"}[self.follow_up.final.decision]


@dataclass
class Reses:
    n: int
    key: str
    anggota_id: str
    author: str
    desa: str
    tempat: str
    jumlah_peserta: int
    days_ago: int
    catatan: str


@dataclass
class Pokir:
    n: int
    key: str
    anggota_id: str
    author: str
    reses: str  # key of the reses
    desa: str
    kecamatan: str
    kamus: str
    volume: int
    cost: int
    judul: str
    permasalahan: str
    usulan: str
    catatan_setwan: str
    overlaps: int | None = None  # the number of the usulan it repeats (same desa, kamus item, text)
    follow_up: FollowUp | None = None  # None: Bappeda found it tidak_layak, no OPD sees it
    layak: bool = True  # Bappeda's review
    kajian: dict = field(default_factory=lambda: dict(KAJIAN_LAYAK))  # duplikat_usulan: usulan *number*
    catatan_kajian: str | None = None

    @property
    def status_akhir(self) -> str:
        """The pokir's follow-up status once Renja decided (the RKPD annex shows it)."""
        if not self.layak:
            return "tidak diakomodasi"
        return {ACCOMMODATE: "diakomodasi", REJECT: "tidak diakomodasi"}[self.follow_up.final.decision]


@dataclass
class Row:
    key: str
    opd: str
    sub_kegiatan: str
    target: Decimal
    pagu_n: int
    pagu_n1: int
    lokasi: tuple[str, ...]
    sumber_dana: str
    kelompok_sasaran: str
    prioritas_daerah: tuple[str, ...] = ()
    sources: tuple[tuple[str, int], ...] = ()  # ("musrenbang", usulan n) / ("pokir", pokir n)
    via_inbox: bool = False  # created by the decision that accommodates its first source (baris_baru)
    # a row made by an inbox decision starts as (target, pagu N, desa) of its first item plus the margin;
    # each later item adds its volume, desa and cost (tambah), so it ends as target / pagu_n / lokasi
    first: tuple[Decimal, int, str] | None = None

    def body(self) -> dict:
        """The JSON body of POST .../rows: the row as it ends (a drafted row covering its items)."""
        return {"sub_kegiatan": self.sub_kegiatan, "target": _decimal_text(self.target), "pagu_n": str(self.pagu_n),
                "pagu_n1": str(self.pagu_n1), "lokasi": list(self.lokasi), "sumber_dana": self.sumber_dana,
                "kelompok_sasaran": self.kelompok_sasaran, "prioritas_daerah": list(self.prioritas_daerah)}

    def first_body(self) -> dict:
        """`row` of the baris_baru decision that makes it: the first item's volume, desa and cost plus
        the row's margin (what it holds beyond its items)."""
        volume, pagu_n, desa = self.first
        return {**self.body(), "target": _decimal_text(volume), "pagu_n": str(pagu_n), "lokasi": [desa]}


@dataclass(frozen=True)
class Ceiling:
    opd: str
    pagu_n: int
    pagu_n1: int


@dataclass
class Plan:
    seed: int
    scale: float
    tahun: int
    pemda: str
    pemda_nama: str
    territory: Territory
    kecamatan: tuple[tuple[str, str], ...]
    desa: tuple[tuple[str, str, str], ...]  # (kode, nama, kecamatan)
    opds: tuple[Opd, ...]
    users: tuple[User, ...]
    criteria: tuple[tuple[str, str, int], ...]
    kamus: tuple[KamusItem, ...]
    register_csv: dict[str, str]
    opd_csv: str
    usulan: list[Usulan] = field(default_factory=list)
    reses: list[Reses] = field(default_factory=list)
    pokir: list[Pokir] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    ceilings: list[Ceiling] = field(default_factory=list)
    returned: dict[str, str] = field(default_factory=dict)  # OPD -> Bappeda's note (returned once)
    prioritas: tuple[str, ...] = PRIORITAS

    # -- look-ups --------------------------------------------------------------------------
    def kamus_item(self, kode: str) -> KamusItem:
        return self._kamus[kode]

    def kamus_id(self, kode: str) -> str:
        return f"{self.pemda}/{self.tahun}/{kode}"

    def row(self, key: str) -> Row:
        return self._rows[key]

    def opd(self, kode: str) -> Opd:
        return next(o for o in self.opds if o.kode == kode)

    def __post_init__(self) -> None:
        self._kamus = {k.kode: k for k in self.kamus}
        self._rows: dict[str, Row] = {}

    def index_rows(self) -> None:
        self._rows = {r.key: r for r in self.rows}

    @staticmethod
    def desa_user(desa: str) -> str:
        return f"desa.{desa}"

    @staticmethod
    def kecamatan_user(kecamatan: str) -> str:
        return f"kec.{kecamatan}"

    @staticmethod
    def opd_user(opd: str) -> str:
        return f"opd.{opd}"

    @staticmethod
    def anggota_user(anggota_id: str) -> str:
        return f"dprd.{anggota_id.lower()}"

    @staticmethod
    def staf_user(staf_id: str) -> str:
        return f"staf.{staf_id.lower()}"

    # -- files imported through the API ----------------------------------------------------
    def kamus_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["kode", "nama", "sub_kegiatan", "opd", "satuan", "harga_satuan", "volume_maks"])
        for k in self.kamus:
            writer.writerow([k.kode, k.nama, k.sub_kegiatan, k.opd, k.satuan, f"{k.harga_satuan}.00", k.volume_maks])
        return out.getvalue()

    # -- what the RKPD must show -----------------------------------------------------------
    def live_usulan(self) -> list[Usulan]:
        return [u for u in self.usulan if not u.withdrawn]

    def routed_usulan(self) -> list[Usulan]:
        return [u for u in self.usulan if u.routed]

    def inbox_count(self) -> int:
        """Inbox items the OPDs decide: one per routed usulan and delivered pokir, plus one more
        for each re-route."""
        items = [u.follow_up for u in self.routed_usulan()] + [p.follow_up for p in self.layak_pokir()]
        return sum(len(f.chain()) for f in items)

    def perkada_nomor(self) -> str:
        """The number of the head of region's regulation fixing the RKPD (illustrative)."""
        jenis = "Wali Kota" if self.pemda_nama.upper().startswith("KOTA") else "Bupati"
        return f"Peraturan {jenis} {self.pemda_nama.title()} Nomor {10 + self.seed % 40} Tahun {self.tahun - 1}"

    def layak_pokir(self) -> list[Pokir]:
        """The pokir Bappeda's review found layak: disposed to their OPD."""
        return [p for p in self.pokir if p.layak]

    def rows_total(self, opd: str) -> tuple[int, int]:
        rows = [r for r in self.rows if r.opd == opd]
        return sum(r.pagu_n for r in rows), sum(r.pagu_n1 for r in rows)

    def summary(self) -> dict:
        usulan = self.usulan
        kec = [u for u in usulan if u.kecamatan_decision is not None]
        return {
            "kecamatan": len(self.kecamatan), "desa": len(self.desa), "opd": len(self.opds), "users": len(self.users),
            "kamus": len(self.kamus), "usulan": len(usulan), "withdrawn": sum(u.withdrawn for u in usulan),
            "accepted_desa": sum(1 for u in usulan if u.desa_decision and u.desa_decision.status in ACCEPTED),
            "accepted_kecamatan": sum(1 for u in kec if u.kecamatan_decision.status in ACCEPTED),
            "merged": sum(1 for u in kec if u.kecamatan_decision.status == DIGABUNG),
            "routed": len(self.routed_usulan()), "members": len({p.anggota_id for p in self.pokir}),
            "pokir_layak": len(self.layak_pokir()),
            "reses": len(self.reses), "pokir": len(self.pokir),
            "pokir_overlapping": sum(1 for p in self.pokir if p.overlaps is not None),
            "inbox_items": self.inbox_count(), "rows": len(self.rows),
            "pagu_n": sum(c.pagu_n for c in self.ceilings),
        }


# -- building it --------------------------------------------------------------------------------

def _rng(seed: int, purpose: str) -> random.Random:
    return random.Random(f"eplanning-demo/{seed}/{purpose}")


def _decimal_text(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def _round_up(value: float | Decimal, step: int) -> int:
    return math.ceil(Decimal(value) / step) * step


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _quota(n: int, ratio: float, minimum: int = 1, at_least_n: int = 1) -> int:
    """round(n * ratio), but at least `minimum` once n >= at_least_n (so a small cycle still
    shows every path), and never more than n."""
    if n <= 0:
        return 0
    count = round(n * ratio)
    if n >= at_least_n:
        count = max(count, minimum)
    return min(count, n)


def _price(rng: random.Random, satuan: str) -> int:
    low, high = next(((lo, hi) for names, lo, hi in PRICE_RANGES if satuan.lower() in names), DEFAULT_PRICE_RANGE)
    price = _log_uniform(rng, low, high)
    step = 1_000_000 if price >= 100_000_000 else 10_000 if price >= 1_000_000 else 1_000
    return max(step, round(price / step) * step)


def _kamus(reference: Reference, opds: Iterable[Opd], seed: int) -> list[KamusItem]:
    """KAMUS_PER_OPD items per community OPD: real sub-kegiatan of its bidang (community units
    first), each used once in the whole catalogue, with illustrative prices."""
    rng = _rng(seed, "kamus")
    by_bidang: dict[str, list[SubKegiatan]] = defaultdict(list)
    for sub in reference.sub_kegiatan:
        by_bidang[sub.bidang].append(sub)
    used: set[str] = set()
    items = []
    for opd in opds:
        if not opd.community:
            continue
        pool = [s for b in opd.bidang for s in by_bidang.get(b, ())]
        community = [s for s in pool if s.satuan.lower() in COMMUNITY_SATUAN and s.kode not in used]
        other = [s for s in pool if s.satuan.lower() not in COMMUNITY_SATUAN and s.kode not in used]
        chosen = rng.sample(community, min(KAMUS_PER_OPD, len(community)))
        if len(chosen) < KAMUS_PER_OPD:
            chosen += rng.sample(other, min(KAMUS_PER_OPD - len(chosen), len(other)))
        for sub in sorted(chosen, key=lambda s: s.kode):
            used.add(sub.kode)
            price = _price(rng, sub.satuan)
            kode = f"K{sub.kode.replace('.', '')}"
            items.append(KamusItem(kode=kode, nama=sub.nama, sub_kegiatan=sub.kode, opd=opd.kode, satuan=sub.satuan,
                                   harga_satuan=price, volume_maks=max(1, min(5000, MAX_ITEM_COST // price))))
    return items


def _users(plan_desa, kecamatan, opds, members, staf) -> tuple[User, ...]:
    users = [User("bappeda", "bappeda"), User("setwan", "setwan")]
    users += [User(Plan.kecamatan_user(k), "operator_kecamatan", wilayah=k) for k, _ in kecamatan]
    users += [User(Plan.desa_user(d), "operator_desa", wilayah=d) for d, _, _ in plan_desa]
    users += [User(Plan.opd_user(o.kode), "opd", opd=o.kode) for o in opds]
    users += [User(Plan.anggota_user(a.id), "anggota_dprd", anggota_id=a.id) for a in members]
    users += [User(Plan.staf_user(s.id), "staf_ahli", anggota_id=s.anggota_id) for s in staf]
    return tuple(users)


def build_plan(reference: Reference, seed: int = 1, scale: float = 1.0, territory: Territory | None = None,
               tahun: int = TAHUN) -> Plan:
    if scale <= 0:
        raise ValueError("scale must be > 0")
    territory = territory or Territory()
    kecamatan = reference.kecamatan
    if territory.kecamatan is not None:
        unknown = set(territory.kecamatan) - {k for k, _ in kecamatan}
        if unknown:
            raise ValueError(f"kecamatan not in pemda {reference.pemda}: {', '.join(sorted(unknown))}")
        kecamatan = tuple(k for k in kecamatan if k[0] in territory.kecamatan)
    desa = tuple((d, nama, k) for k, _ in kecamatan
                 for d, nama in reference.desa.get(k, ())[:territory.desa_per_kecamatan])
    opds = reference.opd
    opd_csv = reference.opd_csv
    if territory.opd is not None:
        unknown = set(territory.opd) - {o.kode for o in opds}
        if unknown:
            raise ValueError(f"OPD not in the register: {', '.join(sorted(unknown))}")
        opds = tuple(o for o in opds if o.kode in territory.opd)
        opd_csv = _opd_csv(opds)
    in_territory = {k for k, _ in kecamatan}
    dapil_of = {d.kode: d for d in reference.dapil}
    members = [a for a in reference.anggota if set(dapil_of[a.dapil].kecamatan) & in_territory]
    if territory.anggota is not None:
        members = [a for a in members if a.id in territory.anggota]
    member_ids = {a.id for a in members}
    staf = [s for s in reference.staf_ahli if s.anggota_id in member_ids]

    plan = Plan(seed=seed, scale=scale, tahun=tahun, pemda=reference.pemda, pemda_nama=reference.pemda_nama,
                territory=territory, kecamatan=kecamatan, desa=desa, opds=opds,
                users=_users(desa, kecamatan, opds, members, staf), criteria=CRITERIA,
                kamus=tuple(_kamus(reference, opds, seed)), register_csv=dict(reference.register_csv),
                opd_csv=opd_csv)
    if not plan.kamus:
        raise ValueError("no community-facing OPD in the territory: nothing to propose")
    _usulan(plan)
    _musrenbang_decisions(plan)
    _pokir(plan, members, staf, dapil_of)
    _reviews(plan)
    _follow_ups(plan)
    _rows(plan, reference)
    _ceilings_and_lifecycle(plan)
    plan.index_rows()
    return plan


def _opd_csv(opds: Iterable[Opd]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kode", "nama", "bidang"])
    for o in opds:
        writer.writerow([o.kode, o.nama, " ".join(o.bidang)])
    return out.getvalue()


def _key(plan: Plan, kind: str, n: int) -> str:
    return f"demo-{plan.seed}-{kind}-{n:06d}"


def _volume_for(item: KamusItem, target_cost: float) -> int:
    return max(1, min(item.volume_maks, round(target_cost / item.harga_satuan)))


def _usulan(plan: Plan) -> None:
    rng = _rng(plan.seed, "usulan")
    total = max(1, round(USULAN_PER_DESA * plan.scale * len(plan.desa)))
    counts = dict.fromkeys((d for d, _, _ in plan.desa), 0)
    desa_codes = list(counts)
    if total >= len(desa_codes):
        for d in desa_codes:
            counts[d] = 1
        for d in rng.choices(desa_codes, k=total - len(desa_codes)):
            counts[d] += 1
    else:
        for d in rng.sample(desa_codes, total):
            counts[d] = 1
    popular = {k: rng.sample(plan.kamus, min(3, len(plan.kamus))) for k, _ in plan.kecamatan}
    n = 0
    for d, desa_nama, kec in plan.desa:
        for _ in range(counts[d]):
            n += 1
            item = rng.choice(popular[kec]) if rng.random() < 0.35 else rng.choice(plan.kamus)
            volume = _volume_for(item, _log_uniform(rng, 25_000_000, 900_000_000))
            kelompok = rng.choice(KELOMPOK)
            obj = item.nama[0].lower() + item.nama[1:]
            plan.usulan.append(Usulan(
                n=n, key=_key(plan, "usulan", n), desa=d, kecamatan=kec, kamus=item.kode, volume=volume,
                cost=volume * item.harga_satuan,
                permasalahan=rng.choice(PERMASALAHAN).format(obj=obj, desa=desa_nama),
                gagasan=f"{item.nama} di Desa {desa_nama}",
                pengusul={"nama": f"Perwakilan {kelompok} Desa {desa_nama}", "kelompok": kelompok}))
    withdrawn = _quota(len(plan.usulan), 0.01, minimum=1, at_least_n=20)
    for u in rng.sample(plan.usulan, withdrawn):
        u.withdrawn = True


def _revised(volume: int) -> int:
    revised = max(1, volume * 7 // 10)
    return revised if revised != volume else volume - 1


def _decide_level(rng: random.Random, items: list[Usulan], reject_ratio: float, change_ratio: float,
                  rejects: tuple[str, ...], changes: tuple[str, ...], tahun: int, attr: str,
                  min_items: int = 3) -> None:
    """Plain diterima, except a quota rejected (with reasons) and a quota accepted with a
    smaller volume (only where the volume can shrink)."""
    pool = sorted(items, key=lambda u: u.n)
    rejected = {u.n for u in rng.sample(pool, _quota(len(pool), reject_ratio, at_least_n=min_items))}
    changeable = [u for u in pool if u.n not in rejected and u.volume_final >= 2]
    changed = {u.n for u in rng.sample(changeable, _quota(len(changeable), change_ratio, at_least_n=min_items + 1))}
    for u in pool:
        if u.n in rejected:
            decision = Decision(DITOLAK, rng.choice(rejects).format(tahun=tahun))
        elif u.n in changed:
            decision = Decision(DENGAN_PERUBAHAN, rng.choice(changes), revised_volume=_revised(u.volume_final))
        else:
            decision = Decision(DITERIMA)
        setattr(u, attr, decision)
        if decision.revised_volume is not None:
            u.volume_final = decision.revised_volume


def _musrenbang_decisions(plan: Plan) -> None:
    rng = _rng(plan.seed, "musrenbang")
    for u in plan.usulan:
        u.volume_final = u.volume
    live = plan.live_usulan()
    _decide_level(rng, live, 0.05, 0.03, DESA_REJECT, DESA_CHANGE, plan.tahun, "desa_decision")

    # the kecamatan forum: score every desa-accepted usulan, accept the best ranked
    weights = [(name, Decimal(weight)) for name, weight, _ in plan.criteria]
    accepted_all, merge_candidates, rejected_all = [], [], []
    for kec, _ in plan.kecamatan:
        candidates = [u for u in live if u.kecamatan == kec and u.desa_decision.status in ACCEPTED]
        for u in candidates:
            u.scores = {name: rng.randint(1, top) for name, _, top in plan.criteria}

        def rank_key(u: Usulan):
            total = sum(w * u.scores[name] for name, w in weights)
            return (-total, u.volume_final * plan.kamus_item(u.kamus).harga_satuan, u.n)

        ranked = sorted(candidates, key=rank_key)
        quota = max(1, round(len(ranked) * KECAMATAN_ACCEPT_RATIO)) if ranked else 0
        accepted, rest = ranked[:quota], ranked[quota:]
        accepted_all += accepted
        by_item = {}
        for u in accepted:
            by_item.setdefault(u.kamus, u)
        for u in rest:
            (merge_candidates if u.kamus in by_item else rejected_all).append((u, by_item.get(u.kamus)))
    merged = {u.n for u, _ in rng.sample(merge_candidates, _quota(len(merge_candidates), 0.3))}
    for u, target in merge_candidates:
        if u.n in merged:
            u.kecamatan_decision = Decision(DIGABUNG, rng.choice(KEC_MERGE), merge_into=target.n)
        else:
            u.kecamatan_decision = Decision(DITOLAK, rng.choice(KEC_REJECT))
    for u, _ in rejected_all:
        u.kecamatan_decision = Decision(DITOLAK, rng.choice(KEC_REJECT))
    changeable = sorted((u for u in accepted_all if u.volume_final >= 2), key=lambda u: u.n)
    changed = {u.n for u in rng.sample(changeable, _quota(len(changeable), 0.15, at_least_n=3))}
    for u in sorted(accepted_all, key=lambda u: u.n):
        if u.n in changed:
            u.kecamatan_decision = Decision(DENGAN_PERUBAHAN, rng.choice(KEC_CHANGE),
                                            revised_volume=_revised(u.volume_final))
            u.volume_final = u.kecamatan_decision.revised_volume
        else:
            u.kecamatan_decision = Decision(DITERIMA)

    # no kabupaten decisions: the accepted usulan go to their OPD when the kecamatan forum closes
    for u in plan.usulan:
        u.cost_final = u.volume_final * plan.kamus_item(u.kamus).harga_satuan


def _pokir(plan: Plan, members, staf, dapil_of) -> None:
    rng = _rng(plan.seed, "pokir")
    staf_of = {s.anggota_id: s for s in staf}
    desa_names = {d: nama for d, nama, _ in plan.desa}
    per_member = max(1, round(POKIR_PER_MEMBER * plan.scale))
    reses_n = pokir_n = 0
    for member in members:
        kecamatan = set(dapil_of[member.dapil].kecamatan)
        pool = [d for d, _, k in plan.desa if k in kecamatan]
        if not pool:
            continue
        authors = [Plan.anggota_user(member.id)] + ([Plan.staf_user(staf_of[member.id].id)]
                                                    if member.id in staf_of else [])
        member_reses = []
        for _ in range(rng.randint(1, 2)):
            reses_n += 1
            desa = rng.choice(pool)
            reses = Reses(n=reses_n, key=_key(plan, "reses", reses_n), anggota_id=member.id,
                          author=rng.choice(authors), desa=desa,
                          tempat=f"Balai Desa {desa_names[desa]}", jumlah_peserta=rng.randint(40, 200),
                          days_ago=rng.randint(3, 60),
                          catatan=f"Reses {member.nama} bersama warga Desa {desa_names[desa]}")
            member_reses.append(reses)
            plan.reses.append(reses)
        budget = int((member.pagu if member.pagu is not None else Decimal(2_500_000_000)) * Decimal("0.95"))
        overlapping = [u for u in plan.live_usulan() if u.desa in pool]
        overlaps_wanted = _quota(per_member, 0.3, at_least_n=2) if overlapping else 0
        repeated = rng.sample(overlapping, min(overlaps_wanted, len(overlapping)))
        for i in range(per_member):
            share = budget // (per_member - i)
            source = repeated[i] if i < len(repeated) else None
            if source is not None and plan.kamus_item(source.kamus).harga_satuan <= share:
                item = plan.kamus_item(source.kamus)
                desa, volume = source.desa, max(1, min(source.volume, share // item.harga_satuan))
                text = source.gagasan
                judul = source.gagasan[:200]
            else:
                source = None
                affordable = [k for k in plan.kamus if k.harga_satuan <= share]
                item = rng.choice(affordable) if affordable else min(plan.kamus, key=lambda k: k.harga_satuan)
                desa = rng.choice(pool)
                volume = max(1, min(item.volume_maks, int(share * rng.uniform(0.4, 1.0)) // item.harga_satuan))
                text = f"Aspirasi reses: {item.nama} untuk warga Desa {desa_names[desa]}"
                judul = f"{item.nama} Desa {desa_names[desa]}"[:200]
            cost = volume * item.harga_satuan
            if cost > budget:
                break  # the member's pagu is used up
            budget -= cost
            pokir_n += 1
            reses = rng.choice(member_reses)
            obj = item.nama[0].lower() + item.nama[1:]
            plan.pokir.append(Pokir(
                n=pokir_n, key=_key(plan, "pokir", pokir_n), anggota_id=member.id, author=rng.choice(authors),
                reses=reses.key, desa=desa, kecamatan=desa.rsplit(".", 1)[0], kamus=item.kode, volume=volume,
                cost=cost, judul=judul, usulan=text,
                permasalahan=f"Disampaikan warga pada reses di {reses.tempat}: {obj} dibutuhkan",
                catatan_setwan=rng.choice(SETWAN_CATATAN), overlaps=source.n if source is not None else None))


def _reviews(plan: Plan) -> None:
    """Bappeda's kajian: about half of the pokir repeating an usulan are duplicates (tidak_layak,
    naming the usulan), ~8% of the others outside the region's authority; the rest layak."""
    rng = _rng(plan.seed, "pokir-review")
    repeating = [p for p in plan.pokir if p.overlaps is not None]
    duplicates = {p.n for p in rng.sample(repeating, _quota(len(repeating), 0.5, minimum=0))}
    others = [p for p in plan.pokir if p.n not in duplicates]
    outside = {p.n for p in rng.sample(others, _quota(len(others), 0.08, minimum=0))}
    for p in plan.pokir:
        if p.n in duplicates:
            p.layak, p.catatan_kajian = False, POKIR_DUPLICATE
            p.kajian = {**KAJIAN_LAYAK, "duplikat_usulan": p.overlaps}
        elif p.n in outside:
            p.layak, p.kajian, p.catatan_kajian = False, {**KAJIAN_LAYAK, "kewenangan": False}, POKIR_NOT_AUTHORITY
        else:
            p.catatan_kajian = "Sesuai prioritas pembangunan daerah tahun " + str(plan.tahun)


def _twin(plan: Plan, opd: str, sub_kegiatan: str) -> Opd | None:
    """Another OPD of the register whose bidang holds the code (where a re-route can go)."""
    bidang = ".".join(sub_kegiatan.split(".")[:2])
    return next((o for o in plan.opds if o.kode != opd and bidang in o.bidang), None)


def _follow_ups(plan: Plan) -> None:
    rng = _rng(plan.seed, "renja-inbox")
    for items, reject_ratio, reroute_ratio, reasons in ((plan.routed_usulan(), 0.15, 0.08, OPD_REJECT),
                                                         (plan.layak_pokir(), 0.2, 0.06, POKIR_REJECT)):
        eligible = [x for x in items
                    if _twin(plan, plan.kamus_item(x.kamus).opd, plan.kamus_item(x.kamus).sub_kegiatan)]
        rerouted = {x.n for x in rng.sample(eligible, _quota(len(eligible), reroute_ratio))}
        rest = [x for x in items if x.n not in rerouted]
        rejected = {x.n for x in rng.sample(rest, _quota(len(rest), reject_ratio, at_least_n=3))}
        second = [x for x in items if x.n in rerouted]
        rejected_after = {x.n for x in rng.sample(second, _quota(len(second), 0.25, minimum=0))}
        for x in items:
            item = plan.kamus_item(x.kamus)
            if x.n in rerouted:
                twin = _twin(plan, item.opd, item.sub_kegiatan)
                then = (FollowUp(twin.kode, REJECT, rng.choice(reasons)) if x.n in rejected_after
                        else FollowUp(twin.kode, ACCOMMODATE, ACCOMMODATE_NOTE.format(tahun=plan.tahun)))
                x.follow_up = FollowUp(item.opd, REROUTE, REROUTE_REASON.format(nama=twin.nama), to_opd=twin.kode,
                                       then=then)
            elif x.n in rejected:
                x.follow_up = FollowUp(item.opd, REJECT, rng.choice(reasons))
            else:
                x.follow_up = FollowUp(item.opd, ACCOMMODATE, ACCOMMODATE_NOTE.format(tahun=plan.tahun))


def _rows(plan: Plan, reference: Reference) -> None:
    """One row per (OPD, sub-kegiatan) that accommodates something, then each OPD's own rows."""
    rng = _rng(plan.seed, "renja-rows")
    groups: dict[tuple[str, str], list] = defaultdict(list)
    sources = [("musrenbang", u) for u in plan.routed_usulan()] + [("pokir", p) for p in plan.layak_pokir()]
    for kind, x in sources:
        final = x.follow_up.final
        if final.decision == ACCOMMODATE:
            groups[(final.opd, plan.kamus_item(x.kamus).sub_kegiatan)].append((kind, x))
    n = 0
    rows: list[Row] = []
    for (opd, sub), members in sorted(groups.items()):
        n += 1
        # in the order the OPD decides them: usulan (Forum PD), then pokir; direct before re-routed
        members.sort(key=lambda m: (m[0] != "musrenbang", m[1].follow_up.then is not None, m[1].n))
        costs = sum((m[1].cost_final if m[0] == "musrenbang" else m[1].cost) for m in members)
        volume = sum((m[1].volume_final if m[0] == "musrenbang" else m[1].volume) for m in members)
        pagu_n = _round_up(costs * rng.uniform(1.0, 1.25), 1000)
        kinds = {m[0] for m in members}
        rows.append(Row(
            key=_key(plan, "row", n), opd=opd, sub_kegiatan=sub, target=Decimal(volume), pagu_n=pagu_n,
            pagu_n1=_round_up(pagu_n * rng.uniform(1.0, 1.1), 1000),
            lokasi=tuple(sorted({m[1].desa for m in members}, key=lambda d: tuple(map(int, d.split("."))))),
            sumber_dana=rng.choice(SUMBER_DANA), kelompok_sasaran="Masyarakat desa pengusul",
            prioritas_daerah=tuple(p for k, p in (("musrenbang", "Aspirasi masyarakat (Musrenbang)"),
                                                  ("pokir", "Pokok-pokok pikiran DPRD")) if k in kinds),
            sources=tuple((m[0], m[1].n) for m in members)))
        first = members[0][1]
        rows[-1].first = (Decimal(first.volume_final if members[0][0] == "musrenbang" else first.volume),
                          pagu_n - costs + (first.cost_final if members[0][0] == "musrenbang" else first.cost),
                          first.desa)
    # rows the first item decided (a direct one) makes with its decision; the others the OPD drafts
    creatable = [r for r in rows if _first_direct(plan, r) == r.sources[0]]
    for r in rng.sample(creatable, _quota(len(creatable), 0.5)):
        r.via_inbox = True
    for kind, x in sources:
        _attach_row(plan, x, kind, rows)

    # each OPD's own rows: the support program and other sub-kegiatan of its bidang
    regular: dict[str, list[SubKegiatan]] = defaultdict(list)
    for sub in reference.sub_kegiatan:
        regular[sub.bidang].append(sub)
    kec_codes = [k for k, _ in plan.kecamatan]
    for opd in plan.opds:
        taken = {r.sub_kegiatan for r in rows if r.opd == opd.kode}
        support = [SubKegiatan(opd.bidang[0] + t.kode[len("X.XX"):], t.nama, t.indikator, t.satuan)
                   for t in reference.templates]
        own = [rng.choice(support)]
        others = [s for b in opd.bidang for s in regular.get(b, ()) if s.kode not in taken]
        own += rng.sample(others, min(rng.randint(0, 2), len(others)))
        for sub in own:
            if sub.kode in taken:
                continue
            taken.add(sub.kode)
            n += 1
            pagu_n = _round_up(_log_uniform(rng, 75_000_000, 1_500_000_000), 1_000_000)
            satuan = sub.satuan.lower()
            target = (rng.randint(1, 12) if satuan in ("dokumen", "laporan", "laporan / dokumen")
                      else rng.randint(20, 500) if satuan == "orang" else rng.randint(1, 50))
            rows.append(Row(
                key=_key(plan, "row", n), opd=opd.kode, sub_kegiatan=sub.kode, target=Decimal(target),
                pagu_n=pagu_n, pagu_n1=_round_up(pagu_n * rng.uniform(1.0, 1.1), 1000),
                lokasi=tuple(sorted(rng.sample(kec_codes, min(len(kec_codes), rng.randint(1, 3))))),
                sumber_dana=rng.choice(SUMBER_DANA),
                kelompok_sasaran=("Aparatur perangkat daerah" if sub.kode.split(".")[2] == "01"
                                  else f"Masyarakat {plan.pemda_nama}")))
    plan.rows = rows


def _first_direct(plan: Plan, row: Row):
    for kind, number in row.sources:
        x = (plan.usulan[number - 1] if kind == "musrenbang" else plan.pokir[number - 1])
        if x.follow_up.then is None:
            return kind, number
    return None


def _attach_row(plan: Plan, x, kind: str, rows: list[Row]) -> None:
    """Name the row in the accommodating decision; the row's first direct source creates it
    when the row is made by the inbox decision."""
    final = x.follow_up.final
    if final.decision != ACCOMMODATE:
        return
    sub = plan.kamus_item(x.kamus).sub_kegiatan
    row = next(r for r in rows if r.opd == final.opd and r.sub_kegiatan == sub)
    creates = row.via_inbox and row.sources[0] == (kind, x.n)
    mode = "baris_baru" if creates else "tambah" if row.via_inbox else "sudah_tercakup"
    accommodate = FollowUp(final.opd, ACCOMMODATE, final.reason, row=row.key, new_row=creates, mode=mode)
    if x.follow_up.then is None:
        x.follow_up = accommodate
    else:
        x.follow_up = FollowUp(x.follow_up.opd, REROUTE, x.follow_up.reason, to_opd=x.follow_up.to_opd,
                               then=accommodate)


def _ceilings_and_lifecycle(plan: Plan) -> None:
    rng = _rng(plan.seed, "renja-ceilings")
    for opd in plan.opds:
        total_n, total_n1 = plan.rows_total(opd.kode)
        plan.ceilings.append(Ceiling(opd.kode, _round_up(total_n * rng.uniform(1.0, 1.08), 10_000_000),
                                     _round_up(total_n1 * rng.uniform(1.0, 1.08), 10_000_000)))
    returned = rng.sample(list(plan.opds), _quota(len(plan.opds), 0.05))
    plan.returned = {o.kode: RETURN_NOTE for o in sorted(returned, key=lambda o: o.kode)}
