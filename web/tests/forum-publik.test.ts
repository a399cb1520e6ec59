import { describe, expect, it } from "vitest";
import { LINTAS, paguPerKecamatan, paguPerUrusan, usulanPerKecamatan } from "../src/pages/publik/chartsData";
import { normalizeCode } from "../src/pages/publik/data";
import { sumRupiah } from "../src/pages/publik/Pokir";
import { downloadName } from "../src/pages/publik/Rkpd";
import { cycleOf } from "../src/pages/publik/Section";
import { applyFilters } from "../src/pages/kecamatan/Forum";
import { flagged, forumKecamatan } from "../src/pages/kecamatan/data";
import { todayWib } from "../src/pages/kecamatan/Close";

const sub = (pagu: string, lokasi: string | null) => ({ tingkat: "sub_kegiatan", kode: "x", uraian: "x", pagu_n: pagu, lokasi });

describe("charts data", () => {
  it("counts usulan per kecamatan by their Musrenbang outcome", () => {
    const rows = [
      { kecamatan: "12.21.02", status_musrenbang: "ditolak", cost_akhir: "1.00" },
      { kecamatan: "12.21.01", status_musrenbang: "diterima", cost_akhir: "1.00" },
      { kecamatan: "12.21.01", status_musrenbang: "diterima dengan perubahan", cost_akhir: "1.00" },
      { kecamatan: "12.21.01", status_musrenbang: "digabung", cost_akhir: "1.00" },
      { kecamatan: "12.21.10", status_musrenbang: "ditarik", cost_akhir: "0.00" },
    ];
    expect(usulanPerKecamatan(rows)).toEqual([
      { kecamatan: "12.21.01", diterima: 2, ditolak: 0, digabung: 1 },
      { kecamatan: "12.21.02", diterima: 0, ditolak: 1, digabung: 0 },
      { kecamatan: "12.21.10", diterima: 0, ditolak: 0, digabung: 0 },
    ]);
  });

  it("adds up the urusan lines of every OPD per urusan code", () => {
    const rows = [
      { tingkat: "urusan", kode: "2", uraian: "Wajib non dasar", pagu_n: "100.00", lokasi: "" },
      { tingkat: "urusan", kode: "1", uraian: "Wajib dasar", pagu_n: "250.50", lokasi: "" },
      { tingkat: "urusan", kode: "1", uraian: "Wajib dasar", pagu_n: "49.50", lokasi: "" },
      { tingkat: "opd", kode: "1", uraian: "Dinas", pagu_n: "999.00", lokasi: "" },
    ];
    expect(paguPerUrusan(rows)).toEqual([{ kode: "1", uraian: "Wajib dasar", pagu: 300 }, { kode: "2", uraian: "Wajib non dasar", pagu: 100 }]);
  });

  it("puts a sub-kegiatan under its one kecamatan, several kecamatan under 'lintas', none under ''", () => {
    const rows = [sub("10.00", "12.21.01.2001; 12.21.01.2002"), sub("5.00", "12.21.01"), sub("7.00", "12.21.01; 12.21.02.2001"),
      sub("3.00", null), { tingkat: "kegiatan", kode: "k", uraian: "k", pagu_n: "1000.00", lokasi: "12.21.03" }];
    expect(paguPerKecamatan(rows)).toEqual([{ kecamatan: "", pagu: 3 }, { kecamatan: "12.21.01", pagu: 15 }, { kecamatan: LINTAS, pagu: 7 }]);
  });
});

describe("citizen pages", () => {
  it("reads tracking codes as people type them", () => {
    expect(normalizeCode(" k7q2-m9xa ")).toBe("K7Q2M9XA");
  });
  it("adds rupiah exactly", () => {
    expect(sumRupiah(["0.10", "0.20", "190000000.00", "5"])).toBe("190000005.30");
  });
  it("names downloads as the gateway does and checks the address", () => {
    expect(downloadName("12.21", 2026, 2, "pdf")).toBe("rkpd_12.21_2026_v2.pdf");
    expect(cycleOf({ pemda: "12.21", tahun: "2026" })).toEqual({ pemda: "12.21", tahun: 2026 });
    expect(cycleOf({ pemda: "12", tahun: "2026" })).toBeNull();
    expect(cycleOf({ pemda: "12.21", tahun: "26" })).toBeNull();
  });
});

describe("kecamatan forum", () => {
  const item = (id: string, desa: string, opd: string, status: string) =>
    ({ id, desa, kamus_item: { opd }, status_per_level: { kecamatan: status } }) as never;
  it("filters by desa, OPD, status and the duplicate flag together", () => {
    const items = [item("a", "d1", "o1", "belum diputuskan"), item("b", "d1", "o2", "ditolak"), item("c", "d2", "o1", "belum diputuskan")];
    const ids = (f: Parameters<typeof applyFilters>[1], dup = new Set<string>()) => applyFilters(items, f, dup).map((u: { id: string }) => u.id);
    expect(ids({ desa: "", opd: "", status: "", dup: false })).toEqual(["a", "b", "c"]);
    expect(ids({ desa: "d1", opd: "", status: "", dup: false })).toEqual(["a", "b"]);
    expect(ids({ desa: "", opd: "o1", status: "belum diputuskan", dup: false })).toEqual(["a", "c"]);
    expect(ids({ desa: "", opd: "", status: "", dup: true }, new Set(["c"]))).toEqual(["c"]);
  });
  it("flags both sides of a same-year pair, only ours of an earlier-year one", () => {
    const d = { tahun: 2027, kecamatan: "12.21.02", items: [
      { usulan_id: "a", other_id: "b", other_tahun: 2027, score: 0.9, reason: "" },
      { usulan_id: "c", other_id: "old", other_tahun: 2026, score: 0.8, reason: "" }] };
    expect([...flagged(d)].sort()).toEqual(["a", "b", "c"]);
  });
  it("is the operator's own kecamatan; Bappeda chooses one", () => {
    expect(forumKecamatan({ role: "operator_kecamatan", wilayah: "12.21.02", pemda: "12.21", sub: "x" }, "12.21.05")).toBe("12.21.02");
    expect(forumKecamatan({ role: "bappeda", pemda: "12.21", sub: "x" }, "12.21.05")).toBe("12.21.05");
    expect(forumKecamatan({ role: "bappeda", pemda: "12.21", sub: "x" }, "nope")).toBeNull();
    expect(forumKecamatan({ role: "operator_desa", wilayah: "12.21.02.2001", pemda: "12.21", sub: "x" }, undefined)).toBeNull();
  });
  it("dates the forum today in WIB", () => {
    expect(todayWib(new Date("2027-02-09T18:30:00Z"))).toBe("2027-02-10");
  });
});
