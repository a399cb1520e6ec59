"""The berita acara (signed minutes) of a kecamatan forum, as a Markdown document in Bahasa
Indonesia. Pure text generation; the SHA-256 of the exact text is stored and published.

Every text a person typed (tempat, pimpinan, catatan, gagasan, reasons, names) goes in escaped
(`domainkit.text.markdown_inline` / `markdown_block`): it reads as text, never as a heading, a
table row, a list item or HTML, whatever it holds (issue #18, finding 5)."""
from eplanning_common.domainkit.text import markdown_block, markdown_inline as md


def _rupiah(amount: str) -> str:
    whole, _, cents = amount.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"Rp{grouped},{cents or '00'}"


def render_berita_acara(record: dict, kecamatan_name: str, ranking_rule: str) -> str:
    m = record["manifest"]
    lines = [
        f"# BERITA ACARA MUSRENBANG KECAMATAN {md(kecamatan_name.upper())}",
        f"## Rencana Kerja Pemerintah Daerah Tahun {record['tahun']}",
        "",
        f"- Kode kecamatan: {md(record['kecamatan'])}",
        f"- Tanggal: {md(str(record['tanggal']))}",
        f"- Tempat: {md(record['tempat'])}",
        f"- Jumlah peserta: {record['jumlah_peserta']}",
    ]
    if record.get("pimpinan"):
        lines.append(f"- Pimpinan sidang: {md(record['pimpinan'])}")
    lines += [
        "",
        "### Ringkasan",
        f"- Usulan dibahas: {m['total']}",
        f"- Usulan diterima: {m['accepted_count']} dengan total biaya {_rupiah(m['accepted_cost'])}",
        f"- Sidik jari (SHA-256) daftar usulan diterima: `{m['digest']}`",
        "",
        "### Peringkat usulan",
        f"Aturan peringkat: {ranking_rule}.",
        "",
        "| No | Kode lacak | Desa | Nilai | Biaya |",
        "|---:|---|---|---:|---:|",
    ]
    lines += [f"| {r['position']} | {r['tracking_code']} | {r['desa']} | {r['total']} | {_rupiah(r['cost'])} |"
              for r in record["ranking"]]
    lines += ["", "### Keputusan forum", "",
              "| Kode lacak | Desa | Usulan | Keputusan | Volume awal → akhir | Biaya akhir | Alasan |",
              "|---|---|---|---|---|---:|---|"]
    for d in record["keputusan"]:
        merged = f" (ke {md(d['merge_target'])})" if d.get("merge_target") else ""
        lines.append(f"| {d['tracking_code']} | {md(d.get('desa_nama') or d['desa'])} | {md(d['gagasan'])} | "
                     f"{d['status']}{merged} | {d['original_volume']} → {d['volume']} | {_rupiah(d['cost'])} | "
                     f"{md(d['reason']) if d['reason'] else '-'} |")
    if record.get("catatan"):
        lines += ["", "### Catatan", markdown_block(record["catatan"])]
    lines += ["", "Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya.", ""]
    return "\n".join(lines)


UNSUR_LABEL = {"opd": "Perangkat Daerah", "dprd": "DPRD", "kecamatan": "Kecamatan", "masyarakat": "Masyarakat",
               "bappeda": "Bappeda"}
JENIS_LABEL = {"prioritas": "Prioritas dikonfirmasi", "perubahan_baris": "Perubahan baris rancangan",
               "pokir": "Pokir diakomodasi", "usulan": "Hasil usulan"}


def render_berita_acara_rkpd(record: dict, *, title: str, pemda_name: str, tahun: int, forum_ref: str,
                             decisions: list[dict], manifest: dict) -> str:
    """The berita acara of Musrenbang RKPD kabupaten/kota: participants, agreements, the outcome
    of every usulan that reached the forum, the manifest. Typed text goes in escaped."""
    lines = [
        f"# BERITA ACARA {md(title.upper())} {md(pemda_name.upper())}",
        f"## Rencana Kerja Pemerintah Daerah Tahun {tahun}",
        "",
        f"- Nomor referensi forum: {md(forum_ref)}",
        f"- Tanggal: {md(str(record['tanggal']))}",
        f"- Tempat: {md(record['tempat'])}",
        "- Dipimpin oleh: Bappeda",
    ]
    rancangan = record.get("rancangan_rkpd")
    if rancangan:
        digest = f", SHA-256 `{rancangan['sha256']}`" if rancangan.get("sha256") else ""
        lines.append(f"- Rancangan RKPD yang dibahas: versi {rancangan['nomor']}{digest}")
    lines += ["", "### Peserta", "", "| No | Nama | Unsur | Instansi |", "|---:|---|---|---|"]
    lines += [f"| {i} | {md(p['nama'])} | {UNSUR_LABEL[p['unsur']]} | {md(p['instansi']) if p['instansi'] else '-'} |"
              for i, p in enumerate(record["peserta"], 1)]
    lines += ["", "### Kesepakatan", "", "| No | Jenis | Uraian | Rujukan | Alasan |", "|---:|---|---|---|---|"]
    for i, k in enumerate(record["kesepakatan"], 1):
        ref = k.get("row_id") or k.get("pokir_id") or k.get("usulan_id") or "-"
        uraian = k.get("uraian") or (f"{k['status']}" + (f" (volume {k['volume']})" if k.get("volume") else ""))
        lines.append(f"| {i} | {JENIS_LABEL[k['jenis']]} | {md(uraian)} | {md(ref)} | "
                     f"{md(k['alasan']) if k.get('alasan') else '-'} |")
    lines += ["", "### Hasil usulan Musrenbang kecamatan di forum ini", "",
              "| Kode lacak | Kecamatan | Desa | Hasil | Volume | Biaya | Alasan |", "|---|---|---|---|---:|---:|---|"]
    lines += [f"| {d['tracking_code']} | {md(d['kecamatan'])} | {md(d['desa'])} | {d['status']} | {d['volume']} | "
              f"{_rupiah(d['cost'])} | {md(d['reason']) if d['reason'] else '-'} |" for d in decisions]
    lines += ["", "### Ringkasan", f"- Usulan diterima: {manifest['accepted_count']} dengan total biaya "
              f"{_rupiah(manifest['accepted_cost'])}",
              f"- Sidik jari (SHA-256) daftar usulan diterima: `{manifest['digest']}`"]
    if record.get("catatan"):
        lines += ["", "### Catatan", markdown_block(record["catatan"])]
    lines += ["", "Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya.", ""]
    return "\n".join(lines)
