/** The public API as the citizen pages read it (no login; typed from the generated OpenAPI types). */
import { api, type ResponseOf } from "../../api/client";
import { NETWORK, problemFromResponse, type Problem } from "../../api/problem";

export type Tracked = ResponseOf<"/v1/public/usulan/{tracking_code}", "get", 200>;
export type Published = ResponseOf<"/v1/public/rkpd/{pemda}/{tahun}", "get", 200>;
export type PokirRegister = ResponseOf<"/v1/public/pokir/{pemda}/{tahun}", "get", 200>;
export type Catalog = ResponseOf<"/v1/public/opendata/{pemda}/{tahun}", "get", 200>;
type OpenData = Exclude<ResponseOf<"/v1/public/opendata/{pemda}/{tahun}/{dataset}.{fmt}", "get", 200>, string>;
export type OpenRows = OpenData["rows"];

export type Loaded<T> = { ok: true; data: T } | { ok: false; problem: Problem };

async function load<T>(call: () => Promise<{ data?: T; response: Response }>): Promise<Loaded<T>> {
  try {
    const r = await call();
    if (r.data !== undefined && r.response.ok) return { ok: true, data: r.data };
    return { ok: false, problem: await problemFromResponse(r.response) };
  } catch {
    return { ok: false, problem: NETWORK };
  }
}

/** A tracking code as people type it: upper case, no spaces or dashes. */
export function normalizeCode(text: string): string {
  return text.toUpperCase().replace(/[\s-]+/g, "");
}

export function trackUsulan(code: string): Promise<Loaded<Tracked>> {
  return load(() => api.GET("/v1/public/usulan/{tracking_code}", { params: { path: { tracking_code: code } } }));
}

export function publishedRkpd(pemda: string, tahun: number): Promise<Loaded<Published>> {
  return load(() => api.GET("/v1/public/rkpd/{pemda}/{tahun}", { params: { path: { pemda, tahun } } }));
}

export function pokirRegister(pemda: string, tahun: number): Promise<Loaded<PokirRegister>> {
  return load(() => api.GET("/v1/public/pokir/{pemda}/{tahun}", { params: { path: { pemda, tahun } } }));
}

export function openDataCatalog(pemda: string, tahun: number): Promise<Loaded<Catalog>> {
  return load(() => api.GET("/v1/public/opendata/{pemda}/{tahun}", { params: { path: { pemda, tahun } } }));
}

export function openData(pemda: string, tahun: number, dataset: "usulan" | "tabel-v" | "pokir"): Promise<Loaded<OpenRows>> {
  return load(async () => {
    const r = await api.GET("/v1/public/opendata/{pemda}/{tahun}/{dataset}.{fmt}", {
      params: { path: { pemda, tahun, dataset, fmt: "json" } },
    });
    // JSON was asked for: the answer is the dataset object (the CSV alternative is text)
    const body = r.data as { rows?: OpenRows } | string | undefined;
    return { data: typeof body === "object" ? body.rows : undefined, response: r.response };
  });
}

/** The opd code -> name of a published RKPD's chapter V (its OPD lines), for showing names, not codes. */
export async function opdNames(pemda: string, tahun: number): Promise<Map<string, string>> {
  const rows = await openData(pemda, tahun, "tabel-v");
  const names = new Map<string, string>();
  if (rows.ok) {
    for (const row of rows.data as { tingkat?: string; kode?: string; uraian?: string }[]) {
      if (row.tingkat === "opd" && row.kode && row.uraian) names.set(row.kode, row.uraian);
    }
  }
  return names;
}

export const DEFAULT_PEMDA = "12.21";
