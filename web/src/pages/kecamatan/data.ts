/** The kecamatan forum's reads and writes on the gateway's /v1 API (typed from the generated types). */
import { api, newIdempotencyKey, type BodyOf, type ResponseOf, type Usulan } from "../../api/client";
import { NETWORK, problemFromResponse, type Problem } from "../../api/problem";
import type { Identity } from "../../api/client";

export type Ranking = ResponseOf<"/v1/musrenbang/{tahun}/kecamatan/{kecamatan}/ranking", "get", 200>;
export type Duplicates = ResponseOf<"/v1/musrenbang/{tahun}/kecamatan/{kecamatan}/duplicates", "get", 200>;
export type Criteria = ResponseOf<"/v1/musrenbang/{tahun}/criteria", "get", 200>;
export type BeritaAcara = ResponseOf<"/v1/musrenbang/{tahun}/kecamatan/{kecamatan}/berita-acara", "get", 200>;
export type Decision = BodyOf<"/v1/musrenbang/usulan/{usulan_id}/decisions", "post">;
export type ForumClose = BodyOf<"/v1/musrenbang/{tahun}/kecamatan/{kecamatan}/close", "post">;
export type UsulanItem = ResponseOf<"/v1/musrenbang/{tahun}/usulan", "get", 200>["items"][number];

export type Loaded<T> = { ok: true; data: T; etag?: string | null } | { ok: false; problem: Problem };

async function load<T>(call: () => Promise<{ data?: T; response: Response }>): Promise<Loaded<T>> {
  try {
    const r = await call();
    if (r.data !== undefined && r.response.ok) return { ok: true, data: r.data, etag: r.response.headers.get("ETag") };
    return { ok: false, problem: await problemFromResponse(r.response) };
  } catch {
    return { ok: false, problem: NETWORK };
  }
}

/** The kecamatan an operator's forum is: its own; Bappeda chooses (`?kecamatan=`). */
export function forumKecamatan(identity: Identity, chosen: string | undefined): string | null {
  if (identity.role === "operator_kecamatan") return identity.wilayah ?? null;
  if (identity.role === "bappeda") return chosen && /^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$/.test(chosen) ? chosen : null;
  return null;
}

/** Every usulan of the kecamatan in the cycle (all pages). */
export async function usulanOfKecamatan(tahun: number, kecamatan: string): Promise<Loaded<UsulanItem[]>> {
  const items: UsulanItem[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await load(() => api.GET("/v1/musrenbang/{tahun}/usulan", {
      params: { path: { tahun }, query: { kecamatan, limit: 200, ...(cursor ? { cursor } : {}) } },
    }));
    if (!page.ok) return page;
    items.push(...page.data.items);
    cursor = page.data.next_cursor ?? undefined;
    if (!cursor) return { ok: true, data: items };
  }
}

export function getUsulan(id: string): Promise<Loaded<Usulan>> {
  return load(() => api.GET("/v1/musrenbang/usulan/{usulan_id}", { params: { path: { usulan_id: id } } }));
}

export function ranking(tahun: number, kecamatan: string): Promise<Loaded<Ranking>> {
  return load(() => api.GET("/v1/musrenbang/{tahun}/kecamatan/{kecamatan}/ranking", { params: { path: { tahun, kecamatan } } }));
}

export function duplicates(tahun: number, kecamatan: string): Promise<Loaded<Duplicates>> {
  return load(() => api.GET("/v1/musrenbang/{tahun}/kecamatan/{kecamatan}/duplicates", { params: { path: { tahun, kecamatan } } }));
}

export function criteria(tahun: number): Promise<Loaded<Criteria>> {
  return load(() => api.GET("/v1/musrenbang/{tahun}/criteria", { params: { path: { tahun } } }));
}

export function beritaAcara(tahun: number, kecamatan: string): Promise<Loaded<BeritaAcara>> {
  return load(() => api.GET("/v1/musrenbang/{tahun}/kecamatan/{kecamatan}/berita-acara", { params: { path: { tahun, kecamatan } } }));
}

export function score(id: string, scores: Record<string, number>) {
  return load(() => api.POST("/v1/musrenbang/usulan/{usulan_id}/scores", { params: { path: { usulan_id: id } }, body: { scores } }));
}

export function decide(id: string, etag: string, body: Decision): Promise<Loaded<UsulanItem>> {
  return load(() => api.POST("/v1/musrenbang/usulan/{usulan_id}/decisions", {
    params: { path: { usulan_id: id }, header: { "If-Match": etag } }, body,
  }));
}

export function closeForum(tahun: number, kecamatan: string, body: ForumClose, key: string = newIdempotencyKey()) {
  return load(() => api.POST("/v1/musrenbang/{tahun}/kecamatan/{kecamatan}/close", {
    params: { path: { tahun, kecamatan }, header: { "Idempotency-Key": key } }, body,
  }));
}

/** SHA-256 of bytes, lower-case hex (Web Crypto). */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The ids of the usulan in a likely-duplicate pair (either side). */
export function flagged(d: Duplicates | null): Set<string> {
  const ids = new Set<string>();
  for (const p of d?.items ?? []) {
    ids.add(p.usulan_id);
    if (p.other_tahun === d!.tahun) ids.add(p.other_id);
  }
  return ids;
}
