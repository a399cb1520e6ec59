/** Reading usulan for the desa screens: the one status a person sees, all pages of the list. */
import { api, type Usulan, type UsulanPage } from "./api/client";
import { problemFromResponse, type Problem } from "./api/problem";

export type ListedUsulan = UsulanPage["items"][number];

const DECIDED = new Set(["diterima", "diterima dengan perubahan", "digabung", "ditolak"]);

/** What happened last: withdrawn, a draft, the latest level's decision, or still undecided. */
export function overallStatus(u: Pick<Usulan, "status" | "status_per_level">): string {
  if (u.status === "withdrawn") return "ditarik";
  if (u.status === "draft") return "draft";
  for (const level of ["kabupaten", "kecamatan", "desa"] as const) {
    const status = u.status_per_level[level];
    if (DECIDED.has(status)) return status;
  }
  return "belum diputuskan";
}

export function countByStatus(items: Pick<Usulan, "status" | "status_per_level">[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const status = overallStatus(item);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return counts;
}

/** Every usulan of the caller's territory in the cycle (the service cuts it to the desa). */
export async function listAll(tahun: number, maxPages = 10): Promise<{ items: ListedUsulan[] } | { problem: Problem }> {
  const items: ListedUsulan[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    let answer;
    try {
      answer = await api.GET("/v1/musrenbang/{tahun}/usulan", {
        params: { path: { tahun }, query: { limit: 100, sort: "-created_at", ...(cursor ? { cursor } : {}) } },
      });
    } catch {
      return { problem: { status: 0, title: "", detail: "", errors: [] } };
    }
    if (!answer.data) return { problem: await problemFromResponse(answer.response) };
    items.push(...answer.data.items);
    if (!answer.data.next_cursor) break;
    cursor = answer.data.next_cursor;
  }
  return { items };
}
