"""The berita acara (signed minutes) of a Forum Perangkat Daerah, as Markdown in Bahasa Indonesia.
Pure text generation; the SHA-256 of the exact text is stored and published.

Every text a person typed (tempat, names, agreements, item titles, reasons) goes in escaped
(`domainkit.text.markdown_inline` / `markdown_block`): it reads as text, never as a heading, a
table row, a list item or HTML, whatever it holds — as the Musrenbang berita acara does."""
import hashlib

from eplanning_common.domainkit.text import markdown_block, markdown_inline as md

VERDICTS = {"diakomodasi": "Diakomodasi", "ditolak": "Ditolak", "dialihkan": "Dialihkan", "menunggu": "Belum diputuskan"}
MODES = {"baris_baru": "baris baru", "tambah": "menambah baris", "sudah_tercakup": "sudah tercakup"}


def _rupiah(amount: str | None) -> str:
    if not amount:
        return "-"
    whole, _, cents = amount.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"Rp{grouped},{cents or '00'}"


def render(record: dict) -> str:
    """record: {pemda, tahun, opds: [{kode, nama}], tempat, tanggal, peserta, kesepakatan, items,
    rows_manifest, closed_by, closed_at}. The text (and so its SHA-256) holds what the forum agreed, not
    who pressed close nor the instant (both are in the record and the event): the same forum gives the
    same digest (the demo's same seed, same RKPD hashes)."""
    opds = record["opds"]
    title = (f"OPD {md(opds[0]['nama'].upper())}" if len(opds) == 1 else "GABUNGAN PERANGKAT DAERAH")
    lines = [
        f"# BERITA ACARA FORUM PERANGKAT DAERAH {title}",
        f"## Rencana Kerja Perangkat Daerah Tahun {record['tahun']}",
        "",
        f"- Pemda: {md(record['pemda'])}",
        *[f"- Perangkat daerah: {md(o['kode'])} {md(o['nama'])}" for o in opds],
        f"- Tanggal: {md(record['tanggal'])}",
        f"- Tempat: {md(record['tempat'])}",
        "",
        "### Peserta",
        "",
        "| No | Nama | Unsur | Instansi |",
        "|---:|---|---|---|",
    ]
    lines += [f"| {i} | {md(p['nama'])} | {p['unsur']} | {md(p['instansi'])} |"
              for i, p in enumerate(record["peserta"], 1)]
    lines += ["", "### Kesepakatan", ""]
    lines += [f"{i}. {markdown_block(k)}" for i, k in enumerate(record["kesepakatan"], 1)] or ["Tidak ada."]
    m = record["rows_manifest"]
    lines += [
        "", "### Verifikasi usulan dan pokir", "",
        "| No | Jenis | Kode lacak | Judul | OPD | Keputusan | Baris Renja | Biaya teratribusi | Alasan |",
        "|---:|---|---|---|---|---|---|---:|---|",
    ]
    for i, it in enumerate(record["items"], 1):
        verdict = VERDICTS.get(it["verdict"], it["verdict"])
        if it.get("mode"):
            verdict += f" ({MODES.get(it['mode'], it['mode'])})"
        if it.get("rerouted_to"):
            verdict += f" ke {md(it['rerouted_to'])}"
        lines.append(f"| {i} | {it['kind']} | {md(it.get('tracking_code') or '-')} | {md(it['judul'])} | "
                     f"{md(it['opd'])} | {verdict} | {md(it.get('row_id') or '-')} | "
                     f"{_rupiah(it.get('attributable'))} | {md(it['reason']) if it.get('reason') else '-'} |")
    lines += [
        "", "### Rancangan Renja",
        f"- Jumlah baris: {m['count']}",
        f"- Total pagu indikatif N: {_rupiah(m['pagu_total'])}",
        f"- Sidik jari (SHA-256) baris Renja: `{m['digest']}`",
        "", "Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya.", "",
    ]
    return "\n".join(lines)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
