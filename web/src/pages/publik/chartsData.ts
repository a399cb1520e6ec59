// What the citizen charts show, computed from the open-data exports (pure functions, unit-tested).

/** One row of the open-data `usulan` dataset, as far as the charts read it. */
export interface UsulanRow {
  kecamatan: string;
  status_musrenbang: string;
  cost_akhir: string;
}

/** One row of the open-data `tabel-v` dataset, as far as the charts read it. */
export interface TabelVRow {
  tingkat: string;
  kode: string;
  uraian: string;
  pagu_n: string;
  lokasi: string | null;
}

export interface KecamatanCount {
  kecamatan: string;
  diterima: number;
  ditolak: number;
  digabung: number;
}

const ACCEPTED = new Set(["diterima", "diterima dengan perubahan"]);

/** Usulan accepted / rejected / merged at the end of Musrenbang, per kecamatan (sorted by code). */
export function usulanPerKecamatan(rows: UsulanRow[]): KecamatanCount[] {
  const by = new Map<string, KecamatanCount>();
  for (const r of rows) {
    const c = by.get(r.kecamatan) ?? { kecamatan: r.kecamatan, diterima: 0, ditolak: 0, digabung: 0 };
    if (ACCEPTED.has(r.status_musrenbang)) c.diterima += 1;
    else if (r.status_musrenbang === "digabung") c.digabung += 1;
    else if (r.status_musrenbang === "ditolak") c.ditolak += 1;
    by.set(r.kecamatan, c);
  }
  return [...by.values()].sort((a, b) => a.kecamatan.localeCompare(b.kecamatan, "en", { numeric: true }));
}

/** Rupiah as a number of whole rupiah (the charts" scale; the tables show the exact text). */
function rupiah(text: string): number {
  return Number.parseFloat(text);
}

/** The plan"s money (pagu tahun n) per urusan: chapter V has an urusan line under each OPD; the
 * lines of one urusan (same code) are added up. Sorted by code. */
export function paguPerUrusan(rows: TabelVRow[]): { kode: string; uraian: string; pagu: number }[] {
  const by = new Map<string, { kode: string; uraian: string; pagu: number }>();
  for (const r of rows) {
    if (r.tingkat !== "urusan") continue;
    const u = by.get(r.kode) ?? { kode: r.kode, uraian: r.uraian, pagu: 0 };
    u.pagu += rupiah(r.pagu_n);
    by.set(r.kode, u);
  }
  return [...by.values()].sort((a, b) => a.kode.localeCompare(b.kode, "en", { numeric: true }));
}

export const LINTAS = "lintas";

/**
 * The plan"s money per kecamatan: each sub-kegiatan line counts for the kecamatan of its locations
 * (a desa code 12.21.01.2001 belongs to kecamatan 12.21.01); a line whose locations span several
 * kecamatan is counted once under LINTAS ("several kecamatan"), never split by guess; a line with
 * no location under "" (not located).
 */
export function paguPerKecamatan(rows: TabelVRow[]): { kecamatan: string; pagu: number }[] {
  const by = new Map<string, number>();
  for (const r of rows) {
    if (r.tingkat !== "sub_kegiatan") continue;
    const codes = (r.lokasi ?? "").split(";").map((s) => s.trim()).filter(Boolean);
    const kecamatan = new Set(codes.map((c) => c.split(".").slice(0, 3).join(".")));
    const key = kecamatan.size === 1 ? [...kecamatan][0]! : kecamatan.size === 0 ? "" : LINTAS;
    by.set(key, (by.get(key) ?? 0) + rupiah(r.pagu_n));
  }
  return [...by.entries()]
    .map(([kecamatan, pagu]) => ({ kecamatan, pagu }))
    .sort((a, b) => a.kecamatan.localeCompare(b.kecamatan, "en", { numeric: true }));
}
