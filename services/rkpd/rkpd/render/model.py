"""The one reading of an RKPD document that every output is drawn from.

The document is the builder's canonical dict (``eplanning.rkpd/1``). It is read tolerantly: keys
this module does not know are ignored, a missing or empty optional value is shown as "-", and a
money value that is not a number is shown as "-" rather than failing the whole render. Money is
kept as ``Decimal`` (2 dp) so the spreadsheet gets exact numbers and the text gets exact figures.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from eplanning_common.domainkit.text import xml_text

DASH = "-"
CENT = Decimal("0.01")

#: Chapter I..VII of the RKPD (domain.md); used when the document has no chapter list or a
#: chapter has no title.
DEFAULT_BAB: tuple[tuple[str, str], ...] = (
    ("I", "PENDAHULUAN"),
    ("II", "GAMBARAN UMUM KONDISI DAERAH"),
    ("III", "KERANGKA EKONOMI DAN KEUANGAN DAERAH"),
    ("IV", "SASARAN DAN PRIORITAS PEMBANGUNAN DAERAH"),
    ("V", "RENCANA KERJA DAN PENDANAAN DAERAH"),
    ("VI", "KINERJA PENYELENGGARAAN PEMERINTAHAN DAERAH"),
    ("VII", "PENUTUP"),
)

#: Depth of each row level of the chapter V table; indent and outline level follow it.
TINGKAT_LEVEL = {"opd": 0, "urusan": 1, "bidang": 2, "program": 3, "kegiatan": 4, "sub_kegiatan": 5}
LEAF = "sub_kegiatan"

#: Section kinds that show one of the document's tables (the others are narrative).
TABLE_KINDS = (
    "tabel_v",
    "ringkasan_kecamatan",
    "ringkasan_opd",
    "ringkasan_urusan",
    "lampiran_usulan",
    "lampiran_pokir",
    "lampiran_akomodasi",
    "lampiran_kajian_pokir",
)
MODE_LABEL = {"baris_baru": "baris baru", "tambah": "menambah baris", "sudah_tercakup": "sudah tercakup"}


# ---------------------------------------------------------------------------------------------
# values


def to_decimal(value: Any) -> Decimal | None:
    """A money value as Decimal with 2 dp, or None when absent or not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, Decimal):
            d = value
        elif isinstance(value, int):
            d = Decimal(value)
        elif isinstance(value, float):
            d = Decimal(repr(value))
        elif isinstance(value, str):
            s = value.strip()
            if not s:
                return None
            d = Decimal(s)
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite():
        return None
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite() or d != d.to_integral_value():
        return None
    return int(d)


_SWAP = str.maketrans({",": ".", ".": ","})
#: C0 control characters other than tab and newlines: invalid in XML and HTML, invisible anyway
_DEL = re.compile(r"\x7f")


def _printable(value: str) -> str:
    """What every output can hold: without what XML 1.0 cannot (domainkit.text.xml_text, the door
    refuses it already) and DEL."""
    return _DEL.sub("", xml_text(value))


def fmt_money(value: Decimal | None) -> str:
    """Indonesian grouping: 1234567.5 -> "1.234.567,50"; None -> "-"."""
    if value is None:
        return DASH
    return f"{value:,.2f}".translate(_SWAP)


def fmt_rupiah(value: Decimal | None) -> str:
    """ "Rp1.234.567,00" ("-Rp1.000,00" when negative); None -> "-"."""
    if value is None:
        return DASH
    if value < 0:
        return "-Rp" + fmt_money(-value)
    return "Rp" + fmt_money(value)


def fmt_int(value: int | None) -> str:
    if value is None:
        return DASH
    return f"{value:,d}".replace(",", ".")


def text(value: Any) -> str:
    """Any scalar or list as display text; nothing -> "-"."""
    if value is None:
        return DASH
    if isinstance(value, str):
        s = _printable(value).strip()
        return s if s else DASH
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, (list, tuple)):
        parts = [text(v) for v in value]
        parts = [p for p in parts if p != DASH]
        return ", ".join(parts) if parts else DASH
    if isinstance(value, dict):
        for key in ("nama", "label", "kode", "uraian"):
            if key in value:
                return text(value[key])
        return DASH
    return str(value)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict]:
    return [v for v in _list(value) if isinstance(v, dict)]


def paragraphs(teks: Any) -> list[list[str]]:
    """Narrative text as paragraphs (split on blank lines), each a list of lines."""
    if isinstance(teks, list):
        teks = "\n\n".join(str(t) for t in teks if t is not None)
    if teks is None:
        return []
    out: list[list[str]] = []
    for block in _printable(str(teks)).replace("\r\n", "\n").replace("\r", "\n").split("\n\n"):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if lines:
            out.append(lines)
    return out


# ---------------------------------------------------------------------------------------------
# the view


@dataclass(slots=True)
class TabelRow:
    tingkat: str
    level: int
    leaf: bool
    kode: str
    uraian: str
    indikator: str
    lokasi: str
    target_n: str
    pagu_n: Decimal | None
    sumber_dana: str
    prioritas_nasional: str
    prioritas_daerah: str
    kelompok_sasaran: str
    target_n1: str
    pagu_n1: Decimal | None
    opd: str
    atribusi: Decimal | None = None

    @property
    def pagu_n_s(self) -> str:
        return fmt_money(self.pagu_n)

    @property
    def atribusi_s(self) -> str:
        return fmt_money(self.atribusi)

    @property
    def pagu_n1_s(self) -> str:
        return fmt_money(self.pagu_n1)


@dataclass(slots=True)
class Usulan:
    no: int
    tracking_code: str
    kecamatan: str
    desa: str
    gagasan: str
    opd: str
    cost_awal: Decimal | None
    cost_akhir: Decimal | None
    status: str
    alasan: str
    keputusan_opd: str
    alasan_opd: str


@dataclass(slots=True)
class Pokir:
    no: int
    anggota: str
    fraksi: str
    dapil: str
    judul: str
    opd: str
    cost: Decimal | None
    status: str
    alasan: str


@dataclass(slots=True)
class Akomodasi:
    no: int
    kode: str
    uraian: str
    opd: str
    pagu_baris: str
    jenis: str
    kode_item: str
    cara: str
    volume: str
    attributable: Decimal | None


@dataclass(slots=True)
class Kajian:
    no: int
    anggota: str
    dapil: str
    judul: str
    opd: str
    cost: Decimal | None
    status: str
    kewenangan: str
    sesuai_prioritas: str
    duplikat_usulan: str
    biaya_wajar: str
    catatan: str


@dataclass(slots=True)
class Bagian:
    judul: str
    jenis: str
    paragraphs: list[list[str]]


@dataclass(slots=True)
class Bab:
    nomor: str
    judul: str
    bagian: list[Bagian]

    @property
    def heading(self) -> str:
        return f"BAB {self.nomor} {self.judul}".strip()


@dataclass
class View:
    schema: str
    pemda: str
    pemda_nama: str
    tahun: int | None
    versi: str
    nomor_versi: str
    inputs: list[tuple[str, str]]
    bab: list[Bab]
    #: table sections no chapter shows; rendered after the chapters as "LAMPIRAN"
    lampiran_extra: list[Bagian]
    rows: list[TabelRow]
    total_n: Decimal | None
    total_n1: Decimal | None
    leaf_count: int
    usulan: list[Usulan]
    pokir: list[Pokir]
    per_kecamatan: list[dict]
    per_opd: list[dict]
    per_urusan: list[dict]
    usulan_per_status: list[dict]
    usulan_per_opd: list[dict]
    pokir_per_status: list[dict]
    pokir_per_fraksi: list[dict]
    pokir_per_opd: list[dict]
    fixed_time: datetime
    extra: dict = field(default_factory=dict)
    total_atribusi: Decimal | None = None
    akomodasi: list[Akomodasi] = field(default_factory=list)
    kajian: list[Kajian] = field(default_factory=list)
    #: what the calendar adds (tata urutan, priorities, ceilings per kecamatan, Perkada, perubahan, forum)
    keterangan: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total_atribusi_s(self) -> str:
        return fmt_money(self.total_atribusi)

    @property
    def tahun_s(self) -> str:
        return str(self.tahun) if self.tahun is not None else DASH

    @property
    def tahun_n1_s(self) -> str:
        return str(self.tahun + 1) if self.tahun is not None else "N+1"

    @property
    def title(self) -> str:
        return f"Rencana Kerja Pemerintah Daerah (RKPD) {self.pemda_nama} Tahun {self.tahun_s}"

    @property
    def total_n_rp(self) -> str:
        return fmt_rupiah(self.total_n)

    @property
    def total_n1_rp(self) -> str:
        return fmt_rupiah(self.total_n1)

    @property
    def total_n_s(self) -> str:
        return fmt_money(self.total_n)

    @property
    def total_n1_s(self) -> str:
        return fmt_money(self.total_n1)


def _target(value: Any, satuan: Any) -> str:
    t = text(value)
    if t == DASH:
        return DASH
    s = text(satuan)
    return t if s == DASH else f"{t} {s}"


def _lokasi(value: Any, kecamatan: dict[str, str]) -> str:
    if isinstance(value, (list, tuple)):
        return text([kecamatan.get(v, v) if isinstance(v, str) else v for v in value])
    if isinstance(value, str):
        return text(kecamatan.get(value, value))
    return text(value)


def _fixed_time(tahun: int | None) -> datetime:
    """The timestamp written into the files' metadata: fixed per document, never "now"."""
    if tahun is not None and 1981 <= tahun <= 9999:
        return datetime(tahun - 1, 1, 1)
    return datetime(2000, 1, 1)


def _summarise(items, key, money=None) -> list[dict]:
    groups: OrderedDict[str, dict] = OrderedDict()
    for item in items:
        k = getattr(item, key)
        g = groups.setdefault(k, {"nama": k, "jumlah": 0, "nilai": Decimal("0.00")})
        g["jumlah"] += 1
        if money is not None:
            v = getattr(item, money)
            if v is not None:
                g["nilai"] += v
    out = sorted(groups.values(), key=lambda g: (-g["jumlah"], g["nama"]))
    for g in out:
        g["jumlah_s"] = fmt_int(g["jumlah"])
        g["nilai_s"] = fmt_money(g["nilai"])
    return out


def build_view(doc: dict) -> View:
    """Read the document once into plain display values for the three renderers."""
    if not isinstance(doc, dict):
        raise TypeError("an RKPD document is a JSON object")
    tahun = to_int(doc.get("tahun"))
    ringkasan = _dict(doc.get("ringkasan"))
    per_kec_src = _dicts(ringkasan.get("per_kecamatan"))
    per_opd_src = _dicts(ringkasan.get("per_opd"))
    per_urusan_src = _dicts(ringkasan.get("per_urusan"))

    kecamatan_nama = {
        k["kecamatan"]: text(k.get("nama"))
        for k in per_kec_src
        if isinstance(k.get("kecamatan"), str) and text(k.get("nama")) != DASH
    }
    opd_nama = {
        o["opd"]: text(o.get("nama"))
        for o in per_opd_src
        if isinstance(o.get("opd"), str) and text(o.get("nama")) != DASH
    }

    def opd_label(code: Any) -> str:
        if isinstance(code, str) and code in opd_nama:
            return opd_nama[code]
        return text(code)

    # chapter V table
    tabel = _dict(doc.get("tabel_v"))
    rows: list[TabelRow] = []
    leaf_sum = Decimal("0.00")
    leaf_sum1 = Decimal("0.00")
    leaf_count = 0
    atribusi_sum = Decimal("0.00")
    akomodasi: list[Akomodasi] = []
    for r in _dicts(tabel.get("baris")):
        tingkat = r.get("tingkat") if isinstance(r.get("tingkat"), str) else ""
        level = TINGKAT_LEVEL.get(tingkat, 5)
        leaf = tingkat == LEAF
        pagu_n = to_decimal(r.get("pagu_n"))
        pagu_n1 = to_decimal(r.get("pagu_n1"))
        atribusi = to_decimal(r.get("atribusi"))
        if leaf:
            leaf_count += 1
            leaf_sum += pagu_n or 0
            leaf_sum1 += pagu_n1 or 0
            atribusi_sum += atribusi or 0
            for a in _dicts(r.get("akomodasi")):
                akomodasi.append(Akomodasi(
                    no=len(akomodasi) + 1, kode=text(r.get("kode")), uraian=text(r.get("uraian")),
                    opd=opd_label(r.get("opd")), pagu_baris=fmt_money(pagu_n), jenis=text(a.get("kind")),
                    kode_item=text(a.get("tracking_code") or a.get("source_id")),
                    cara=MODE_LABEL.get(a.get("mode"), text(a.get("mode"))), volume=text(a.get("volume")),
                    attributable=to_decimal(a.get("attributable"))))
        satuan = r.get("satuan")
        rows.append(
            TabelRow(
                tingkat=tingkat or DASH,
                level=level,
                leaf=leaf,
                kode=text(r.get("kode")),
                uraian=text(r.get("uraian")),
                indikator=text(r.get("indikator")),
                lokasi=_lokasi(r.get("lokasi"), kecamatan_nama),
                target_n=_target(r.get("target_n"), satuan),
                pagu_n=pagu_n,
                sumber_dana=text(r.get("sumber_dana")),
                prioritas_nasional=text(r.get("prioritas_nasional")),
                prioritas_daerah=text(r.get("prioritas_daerah")),
                kelompok_sasaran=text(r.get("kelompok_sasaran")),
                target_n1=_target(r.get("target_n1"), satuan),
                pagu_n1=pagu_n1,
                opd=opd_label(r.get("opd")),
                atribusi=atribusi,
            )
        )
    grand = _dict(doc.get("grand_total"))
    total_n = to_decimal(tabel.get("total_n"))
    if total_n is None:
        total_n = to_decimal(grand.get("pagu_n"))
    if total_n is None and rows:
        total_n = leaf_sum
    total_n1 = to_decimal(tabel.get("total_n1"))
    if total_n1 is None:
        total_n1 = to_decimal(grand.get("pagu_n1"))
    if total_n1 is None and rows:
        total_n1 = leaf_sum1

    # annexes
    lampiran = _dict(doc.get("lampiran"))
    usulan = [
        Usulan(
            no=i,
            tracking_code=text(u.get("tracking_code")),
            kecamatan=text(u.get("kecamatan_nama")),
            desa=text(u.get("desa_nama")),
            gagasan=text(u.get("gagasan")),
            opd=opd_label(u.get("opd")),
            cost_awal=to_decimal(u.get("cost_awal")),
            cost_akhir=to_decimal(u.get("cost_akhir")),
            status=text(u.get("status_musrenbang")),
            alasan=text(u.get("alasan")),
            keputusan_opd=text(u.get("keputusan_opd")),
            alasan_opd=text(u.get("alasan_opd")),
        )
        for i, u in enumerate(_dicts(lampiran.get("usulan")), 1)
    ]
    pokir = [
        Pokir(
            no=i,
            anggota=text(p.get("anggota")),
            fraksi=text(p.get("fraksi")),
            dapil=text(p.get("dapil")),
            judul=text(p.get("judul")),
            opd=opd_label(p.get("opd")),
            cost=to_decimal(p.get("cost")),
            status=text(p.get("status")),
            alasan=text(p.get("alasan")),
        )
        for i, p in enumerate(_dicts(lampiran.get("pokir")), 1)
    ]

    def yes_no(value: Any) -> str:
        return "Ya" if value is True else "Tidak" if value is False else DASH

    kajian = [
        Kajian(no=i, anggota=text(k.get("anggota")), dapil=text(k.get("dapil")), judul=text(k.get("judul")),
               opd=opd_label(k.get("opd")), cost=to_decimal(k.get("cost")),
               status=text(k.get("status")).replace("_", " "), kewenangan=yes_no(k.get("kewenangan")),
               sesuai_prioritas=yes_no(k.get("sesuai_prioritas")), duplikat_usulan=text(k.get("duplikat_usulan")),
               biaya_wajar=yes_no(k.get("biaya_wajar")), catatan=text(k.get("catatan")))
        for i, k in enumerate(_dicts(lampiran.get("kajian_pokir")), 1)
    ]

    # summaries
    per_kecamatan = []
    for k in per_kec_src:
        nilai = to_decimal(k.get("nilai_diterima"))
        per_kecamatan.append(
            {
                "kecamatan": text(k.get("kecamatan")),
                "nama": text(k.get("nama")),
                "jumlah": to_int(k.get("jumlah")),
                "diterima": to_int(k.get("diterima")),
                "ditolak": to_int(k.get("ditolak")),
                "lainnya": to_int(k.get("lainnya")),
                "nilai_diterima": nilai,
            }
        )
    per_opd = [
        {
            "opd": text(o.get("opd")),
            "nama": text(o.get("nama")),
            "baris": to_int(o.get("baris")),
            "pagu_n": to_decimal(o.get("pagu_n")),
            "pagu_n1": to_decimal(o.get("pagu_n1")),
            "usulan_diakomodasi": to_int(o.get("usulan_diakomodasi")),
            "pokir_diakomodasi": to_int(o.get("pokir_diakomodasi")),
        }
        for o in per_opd_src
    ]
    per_urusan = [
        {
            "urusan": text(u.get("urusan")),
            "nama": text(u.get("nama")),
            "baris": to_int(u.get("baris")),
            "pagu_n": to_decimal(u.get("pagu_n")),
            "pagu_n1": to_decimal(u.get("pagu_n1")),
        }
        for u in per_urusan_src
    ]

    # chapters
    used: set[str] = set()
    bab: list[Bab] = []
    src_bab = _dicts(doc.get("bab"))
    if not src_bab:
        src_bab = [{"nomor": n, "judul": j, "bagian": []} for n, j in DEFAULT_BAB]
        src_bab[4]["bagian"] = [
            {"judul": "Rencana Program dan Kegiatan Prioritas Daerah", "jenis": "tabel_v"}
        ]
    defaults = dict(DEFAULT_BAB)
    for b in src_bab:
        nomor = text(b.get("nomor"))
        judul = text(b.get("judul"))
        if judul == DASH:
            judul = defaults.get(nomor, DASH)
        bagian = []
        for s in _dicts(b.get("bagian")):
            jenis = s.get("jenis") if isinstance(s.get("jenis"), str) else "narasi"
            if jenis in TABLE_KINDS:
                used.add(jenis)
            bagian.append(Bagian(judul=text(s.get("judul")), jenis=jenis, paragraphs=paragraphs(s.get("teks"))))
        bab.append(Bab(nomor=nomor, judul=judul.upper(), bagian=bagian))

    present = {
        "tabel_v": bool(rows),
        "ringkasan_kecamatan": bool(per_kecamatan),
        "ringkasan_opd": bool(per_opd),
        "ringkasan_urusan": bool(per_urusan),
        "lampiran_usulan": bool(usulan),
        "lampiran_pokir": bool(pokir),
        "lampiran_akomodasi": bool(akomodasi),
        "lampiran_kajian_pokir": bool(kajian),
    }
    extra_titles = {
        "tabel_v": "Rencana Program dan Kegiatan Prioritas Daerah",
        "ringkasan_kecamatan": "Ringkasan Usulan per Kecamatan",
        "ringkasan_opd": "Ringkasan per Perangkat Daerah",
        "ringkasan_urusan": "Ringkasan per Urusan",
        "lampiran_usulan": "Daftar Usulan Musrenbang",
        "lampiran_pokir": "Daftar Pokok-Pokok Pikiran DPRD",
        "lampiran_akomodasi": "Usulan dan Pokir yang Diakomodasi per Baris Tabel T-V.1",
        "lampiran_kajian_pokir": "Hasil Kajian Bappeda atas Pokok-Pokok Pikiran DPRD",
    }
    lampiran_extra = [
        Bagian(judul=extra_titles[k], jenis=k, paragraphs=[])
        for k in TABLE_KINDS
        if present[k] and k not in used
    ]

    inputs = sorted((str(k), text(v)) for k, v in _dict(doc.get("inputs")).items())

    return View(
        schema=text(doc.get("schema")),
        pemda=text(doc.get("pemda")),
        pemda_nama=text(doc.get("pemda_nama")),
        tahun=tahun,
        versi=text(doc.get("versi")),
        nomor_versi=text(doc.get("nomor_versi")),
        inputs=inputs,
        bab=bab,
        lampiran_extra=lampiran_extra,
        rows=rows,
        total_n=total_n,
        total_n1=total_n1,
        leaf_count=leaf_count,
        usulan=usulan,
        pokir=pokir,
        per_kecamatan=per_kecamatan,
        per_opd=per_opd,
        per_urusan=per_urusan,
        usulan_per_status=_summarise(usulan, "status", "cost_akhir"),
        usulan_per_opd=_summarise(usulan, "opd", "cost_akhir"),
        pokir_per_status=_summarise(pokir, "status", "cost"),
        pokir_per_fraksi=_summarise(pokir, "fraksi", "cost"),
        pokir_per_opd=_summarise(pokir, "opd", "cost"),
        fixed_time=_fixed_time(tahun),
        total_atribusi=atribusi_sum if rows else None,
        akomodasi=akomodasi,
        kajian=kajian,
        keterangan=_keterangan(doc, kecamatan_nama),
    )


def _keterangan(doc: dict, kecamatan_nama: dict[str, str]) -> list[tuple[str, str]]:
    """What a calendar year's document adds, as (label, text) lines."""
    out: list[tuple[str, str]] = []
    if doc.get("tata_urutan") == "permendagri_86_2017":
        out.append(("Tata urutan", "Permendagri 86/2017"))
    elif doc.get("tata_urutan") == "lama":
        out.append(("Tata urutan", "tata urutan lama"))
    awal = _dict(doc.get("rancangan_awal"))
    for i, p in enumerate(_list(awal.get("prioritas")), 1):
        out.append((f"Prioritas {i}", text(p)))
    for w in _dicts(awal.get("pagu_kewilayahan")):
        kode = text(w.get("kecamatan"))
        out.append((f"Pagu indikatif kewilayahan {kecamatan_nama.get(kode, kode)}",
                    fmt_rupiah(to_decimal(w.get("pagu")))))
    perkada = _dict(doc.get("perkada"))
    if perkada:
        out.append(("Peraturan Kepala Daerah", f"Nomor {text(perkada.get('nomor'))} tanggal {text(perkada.get('tanggal'))}"))
    perubahan = _dict(doc.get("perubahan"))
    if perubahan:
        out.append(("Perubahan atas versi", text(perubahan.get("nomor_versi_dasar"))))
        out.append(("Perangkat daerah yang diubah", ", ".join(text(o) for o in _list(perubahan.get("opds")))))
        out.append(("Alasan perubahan", text(perubahan.get("alasan"))))
    forum = _dict(_dict(doc.get("lampiran")).get("musrenbang_rkpd"))
    if forum:
        out.append(("Musrenbang RKPD", f"{text(forum.get('tempat'))}, {text(forum.get('tanggal'))}"))
        for k in _dicts(forum.get("kesepakatan")):
            out.append((f"Kesepakatan ({text(k.get('jenis'))})", text(k.get("uraian"))))
        out.append(("Berita acara Musrenbang RKPD (sha256)", text(forum.get("berita_acara_sha256"))))
    return out
