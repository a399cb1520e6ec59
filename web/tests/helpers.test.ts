import { describe, expect, it } from "vitest";
import { fieldMessages, isTransient, isWindowClosed, reasonOf, toProblem } from "../src/api/problem";
import { activeHref, navFor } from "../src/components/Layout";
import { countByStatus, overallStatus } from "../src/usulan";
import { windowState } from "../src/pages/desa/Home";
import { trackingUrl } from "../src/pages/desa/Receipt";

const problem = toProblem(422, {
  type: "urn:eplanning:problem:validation", title: "Data tidak valid", status: 422, detail: "Data yang dikirim tidak valid.",
  correlation_id: "abc", errors: [
    { field: "volume", message: "Volume paling banyak 2000", code: "max_value" },
    { field: "pengusul.nama", message: "Nama pengusul wajib diisi", code: "required" },
  ],
});

describe("problem+json", () => {
  it("reads field errors, for the field and its members", () => {
    expect(fieldMessages(problem, "volume")).toEqual(["Volume paling banyak 2000"]);
    expect(fieldMessages(problem, "pengusul")).toEqual(["Nama pengusul wajib diisi"]);
    expect(fieldMessages(problem, "gagasan")).toEqual([]);
    expect(problem.correlationId).toBe("abc");
    expect(reasonOf(problem)).toBe("volume: Volume paling banyak 2000");
  });
  it("tells a closed window from other refusals, and what is worth retrying", () => {
    expect(isWindowClosed(toProblem(409, { code: "schedule_closed" }))).toBe(true);
    expect(isWindowClosed(toProblem(409, { code: "schedule_not_open" }))).toBe(true);
    expect(isWindowClosed(toProblem(404, { code: "no_schedule" }))).toBe(true);
    expect(isWindowClosed(toProblem(409, { code: "request_id_taken" }))).toBe(false);
    expect(isWindowClosed(problem)).toBe(false);
    expect(isTransient(toProblem(503, {}))).toBe(true);
    expect(isTransient(toProblem(0, null))).toBe(true);
    expect(isTransient(toProblem(409, { code: "idempotency_in_progress" }))).toBe(true);
    expect(isTransient(toProblem(422, {}))).toBe(false);
  });
});

describe("navigation by role", () => {
  it("gives the desa operator its screens and one active item", () => {
    const items = navFor("operator_desa");
    expect(items.map((i) => i.href)).toEqual(["/", "/usulan/baru", "/usulan", "/lacak", "/publik"]);
    expect(activeHref(items, "/usulan/baru")).toBe("/usulan/baru");
    expect(activeHref(items, "/usulan/abc")).toBe("/usulan");
    expect(activeHref(items, "/")).toBe("/");
    expect(navFor(null).map((i) => i.href)).toEqual(["/lacak", "/publik"]);
    expect(navFor("operator_kecamatan").map((i) => i.href)).toContain("/kecamatan");
  });
});

describe("usulan status and window", () => {
  const base = { status: "submitted" as const, status_per_level: { desa: "belum diputuskan", kecamatan: "tidak diteruskan", kabupaten: "tidak diteruskan" } as const };
  it("shows the latest decision", () => {
    expect(overallStatus(base)).toBe("belum diputuskan");
    expect(overallStatus({ ...base, status_per_level: { desa: "diterima", kecamatan: "ditolak", kabupaten: "tidak diteruskan" } })).toBe("ditolak");
    expect(overallStatus({ ...base, status: "withdrawn" })).toBe("ditarik");
    expect(countByStatus([base, base, { ...base, status: "withdrawn" }])).toEqual(new Map([["belum diputuskan", 2], ["ditarik", 1]]));
  });
  it("knows whether the desa window is open", () => {
    const schedule = { pemda: "12.21", tahun: 2027, version: 1, history: [], windows: [
      { level: "desa" as const, opens_at: "2027-01-05T00:00:00+07:00", closes_at: "2027-02-01T00:00:00+07:00" }] };
    expect(windowState(schedule, new Date("2027-01-04T23:59:00+07:00"))).toBe("not_yet");
    expect(windowState(schedule, new Date("2027-01-05T00:00:00+07:00"))).toBe("open");
    expect(windowState(schedule, new Date("2027-02-01T00:00:00+07:00"))).toBe("closed");
    expect(windowState(null, new Date())).toBe("none");
  });
  it("points the receipt's QR code at the public tracking page", () => {
    expect(trackingUrl("K7Q2M9XA", "https://eplanning.example")).toBe("https://eplanning.example/lacak/K7Q2M9XA");
  });
});

describe("photos shrunk on the device", () => {
  it("fits the long side within 1600 px, never enlarges", async () => {
    const { fitWithin } = await import("../src/offline/photo");
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(3000, 4000)).toEqual({ width: 1200, height: 1600 });
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 });
  });
});

describe("Idempotency-Key", () => {
  it("is a v4 UUID, also where randomUUID is missing (plain HTTP on a LAN)", async () => {
    const { newIdempotencyKey } = await import("../src/api/client");
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(newIdempotencyKey()).toMatch(v4);
    const real = globalThis.crypto;
    Object.defineProperty(globalThis, "crypto", { value: { getRandomValues: real.getRandomValues.bind(real) }, configurable: true });
    try {
      const keys = new Set(Array.from({ length: 50 }, () => newIdempotencyKey()));
      expect(keys.size).toBe(50);
      for (const key of keys) expect(key).toMatch(v4);
    } finally {
      Object.defineProperty(globalThis, "crypto", { value: real, configurable: true });
    }
  });
});
