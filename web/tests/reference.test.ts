import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { NETWORK, toProblem } from "../src/api/problem";
import { database } from "../src/offline/db";
import { cachedLoad } from "../src/offline/reference";

describe("reference data kept for offline use", () => {
  it("answers from the device when there is no connection, and says so", async () => {
    const db = database(`reference-${Math.random()}`);
    const kamus = [{ id: "12.21/2027/DRN-01", nama: "Pembangunan drainase lingkungan" }];
    const online = await cachedLoad("kamus:2027", async () => ({ data: kamus }), db);
    expect(online).toMatchObject({ ok: true, data: { value: kamus, cached: false } });
    const offline = await cachedLoad("kamus:2027", async () => { throw new TypeError("Failed to fetch"); }, db);
    expect(offline).toMatchObject({ ok: true, data: { value: kamus, cached: true } });
    const down = await cachedLoad("kamus:2027", async () => ({ problem: toProblem(503, {}) }), db);
    expect(down).toMatchObject({ ok: true, data: { cached: true } });
  });

  it("does not hide a refusal behind the stored copy, nor invent data it never had", async () => {
    const db = database(`reference-${Math.random()}`);
    await cachedLoad("schedule:2027", async () => ({ data: { tahun: 2027 } }), db);
    const refused = await cachedLoad("schedule:2027", async () => ({ problem: toProblem(403, { code: "other_pemda" }) }), db);
    expect(refused).toMatchObject({ ok: false, problem: { status: 403, code: "other_pemda" } });
    const never = await cachedLoad("wilayah:12.21", async () => ({ problem: NETWORK }), db);
    expect(never).toMatchObject({ ok: false, problem: { status: 0 } });
  });
});
