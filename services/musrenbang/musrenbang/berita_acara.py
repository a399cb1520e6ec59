"""The berita acara (signed minutes) of a kecamatan forum, as a Markdown document in Bahasa
Indonesia. Pure text generation; the SHA-256 of the exact text is stored and published."""


def _rupiah(amount: str) -> str:
    whole, _, cents = amount.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"Rp{grouped},{cents or '00'}"


def render_berita_acara(record: dict, kecamatan_name: str, ranking_rule: str) -> str:
    m = record["manifest"]
    lines = [
        f"# BERITA ACARA MUSRENBANG KECAMATAN {kecamatan_name.upper()}",
        f"## Rencana Kerja Pemerintah Daerah Tahun {record['tahun']}",
        "",
        f"- Kode kecamatan: {record['kecamatan']}",
        f"- Tanggal: {record['tanggal']}",
        f"- Tempat: {record['tempat']}",
        f"- Jumlah peserta: {record['jumlah_peserta']}",
    ]
    if record.get("pimpinan"):
        lines.append(f"- Pimpinan sidang: {record['pimpinan']}")
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
        gagasan = d["gagasan"].replace("|", "/").replace("\n", " ")
        merged = f" (ke {d['merge_target']})" if d.get("merge_target") else ""
        lines.append(f"| {d['tracking_code']} | {d.get('desa_nama') or d['desa']} | {gagasan} | {d['status']}{merged} | "
                     f"{d['original_volume']} → {d['volume']} | {_rupiah(d['cost'])} | {d['reason'] or '-'} |")
    if record.get("catatan"):
        lines += ["", "### Catatan", record["catatan"]]
    lines += ["", "Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya.", ""]
    return "\n".join(lines)
