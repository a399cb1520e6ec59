/** RFC 9457 problem+json answers of the gateway, read into what a screen shows: the summary, the
 * message of each field next to that field, and what to do next. */
import type { components } from "./schema";

/** The gateway's problem+json shape (components/schemas/Problem). */
export type ProblemBody = components["schemas"]["Problem"];

export interface FieldProblem { field: string; message: string; code?: string | undefined }

export interface Problem {
  status: number; // 0: no answer (offline, network failure)
  title: string;
  detail: string;
  code?: string | undefined;
  correlationId?: string | undefined;
  errors: FieldProblem[];
}

export const NETWORK: Problem = { status: 0, title: "", detail: "", errors: [] };

/** The codes of the Musrenbang service that mean "the desa window is not open" for a create
 * (musrenbang.domain.schedule.check_window, usulan_actions._cycle_checks, repository.schedule). */
export const WINDOW_CLOSED_CODES = new Set(["schedule_closed", "schedule_not_open", "stage_closed", "no_schedule"]);

export function isWindowClosed(problem: Problem): boolean {
  return (problem.status === 409 || problem.status === 404) && WINDOW_CLOSED_CODES.has(problem.code ?? "");
}

/** Worth trying again later with the same request (nothing was decided by the server). The
 * gateway's 409 `idempotency_in_progress` means the first request with this key is still running
 * (another tab, or an answer lost on the way): the same key later gets its answer. */
export function isTransient(problem: Problem): boolean {
  return problem.status === 0 || problem.status === 408 || problem.status === 429 || problem.status >= 500
    || (problem.status === 409 && problem.code === "idempotency_in_progress");
}

export function toProblem(status: number, body: unknown): Problem {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const errors = Array.isArray(b.errors)
    ? (b.errors as unknown[]).flatMap((e) => {
      if (!e || typeof e !== "object") return [];
      const r = e as Record<string, unknown>;
      return [{ field: String(r.field ?? ""), message: String(r.message ?? ""), code: r.code ? String(r.code) : undefined }];
    })
    : [];
  return {
    status,
    title: typeof b.title === "string" ? b.title : "",
    detail: typeof b.detail === "string" ? b.detail : "",
    code: typeof b.code === "string" ? b.code : undefined,
    correlationId: typeof b.correlation_id === "string" ? b.correlation_id : undefined,
    errors,
  };
}

export async function problemFromResponse(response: Response): Promise<Problem> {
  let body: unknown = null;
  try {
    body = await response.clone().json();
  } catch {
    body = null;
  }
  return toProblem(response.status, body);
}

/** The field errors for `field` and its members (`pengusul` also gets `pengusul.nama`). */
export function fieldMessages(problem: Problem | null | undefined, field: string): string[] {
  if (!problem) return [];
  return problem.errors
    .filter((e) => e.field === field || e.field.startsWith(field + ".") || e.field.startsWith(field + "["))
    .map((e) => e.message);
}

/** One line saying why, for a draft's state: the first field message, else the detail. */
export function reasonOf(problem: Problem): string {
  const first = problem.errors[0];
  if (first) return first.field ? `${first.field}: ${first.message}` : first.message;
  return problem.detail || problem.title || String(problem.status);
}
