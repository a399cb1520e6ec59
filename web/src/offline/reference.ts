/** Reference data the desa screens need offline (the catalogue, the region names, the schedule):
 * fetched when there is a connection, kept in IndexedDB, read from there when there is none. */
import { api, type KamusItem, type ResponseOf, type Schedule } from "../api/client";
import { NETWORK, problemFromResponse, type Problem } from "../api/problem";
import { database, type Database } from "./db";

export interface Loaded<T> { value: T; at: string; cached: boolean }
export type Result<T> = { ok: true; data: Loaded<T> } | { ok: false; problem: Problem };

/** `load` answers `{data}` or `{problem}`; a network failure falls back to the stored copy. */
export async function cachedLoad<T>(
  key: string, load: () => Promise<{ data?: T; problem?: Problem }>, db: Promise<Database> = database(),
): Promise<Result<T>> {
  let outcome: { data?: T; problem?: Problem };
  try {
    outcome = await load();
  } catch {
    outcome = { problem: NETWORK };
  }
  if (outcome.data !== undefined) {
    const at = new Date().toISOString();
    await (await db).put("reference", { key, value: outcome.data, at });
    return { ok: true, data: { value: outcome.data, at, cached: false } };
  }
  const problem = outcome.problem ?? NETWORK;
  if (problem.status === 0 || problem.status >= 500) {
    const stored = await (await db).get("reference", key);
    if (stored) return { ok: true, data: { value: stored.value as T, at: stored.at, cached: true } };
  }
  return { ok: false, problem };
}

async function viaClient<T>(call: Promise<{ data?: T; response: Response }>): Promise<{ data?: T; problem?: Problem }> {
  const { data, response } = await call;
  if (data !== undefined && response.ok) return { data };
  return { problem: await problemFromResponse(response) };
}

export function loadKamus(tahun: number): Promise<Result<KamusItem[]>> {
  return cachedLoad(`kamus:${tahun}`, async () => {
    const r = await viaClient(api.GET("/v1/musrenbang/{tahun}/kamus", { params: { path: { tahun } } }));
    return r.data ? { data: r.data.items } : { problem: r.problem! };
  });
}

export function loadSchedule(tahun: number): Promise<Result<Schedule>> {
  return cachedLoad(`schedule:${tahun}`, () => viaClient(api.GET("/v1/musrenbang/{tahun}/schedule", { params: { path: { tahun } } })));
}

export type Wilayah = ResponseOf<"/v1/public/wilayah/{pemda}", "get", 200>;

export function loadWilayah(pemda: string): Promise<Result<Wilayah>> {
  return cachedLoad(`wilayah:${pemda}`, () => viaClient(api.GET("/v1/public/wilayah/{pemda}", { params: { path: { pemda } } })));
}

/** The name of a region code (desa or kecamatan), or the code itself when the names are unknown. */
export function regionName(wilayah: Wilayah | null | undefined, kode: string): string {
  if (!wilayah) return kode;
  for (const kecamatan of wilayah.kecamatan) {
    if (kecamatan.kode === kode) return kecamatan.nama;
    for (const desa of kecamatan.desa) if (desa.kode === kode) return desa.nama;
  }
  return kode;
}
