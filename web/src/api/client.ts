/** The typed API client: openapi-fetch over the types generated from the gateway's OpenAPI document
 * (src/api/schema.d.ts). Every request carries the in-memory access token and the reader's language. */
import createClient, { type Middleware } from "openapi-fetch";
import { currentLang } from "../i18n";
import type { components, paths } from "./schema";

export type { components, paths };

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
/** The JSON body of operation `op`'s answer with `status`. */
export type ResponseOf<P extends keyof paths, M extends keyof paths[P], S extends number> =
  paths[P][M] extends { responses: infer R } ? (S extends keyof R ? Json<R[S]> : never) : never;
/** The JSON request body of an operation. */
export type BodyOf<P extends keyof paths, M extends keyof paths[P]> =
  paths[P][M] extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;

export type Usulan = ResponseOf<"/v1/musrenbang/usulan/{usulan_id}", "get", 200>;
export type UsulanCreate = BodyOf<"/v1/musrenbang/{tahun}/usulan", "post">;
export type UsulanPage = ResponseOf<"/v1/musrenbang/{tahun}/usulan", "get", 200>;
export type KamusItem = ResponseOf<"/v1/musrenbang/{tahun}/kamus", "get", 200>["items"][number];
export type Schedule = ResponseOf<"/v1/musrenbang/{tahun}/schedule", "get", 200>;
export type Identity = ResponseOf<"/v1/auth/me", "get", 200>["identity"];
export type Tracking = ResponseOf<"/v1/public/usulan/{tracking_code}", "get", 200>;

let accessToken: string | null = null;

/** The access token lives here only (memory): never in localStorage or a readable cookie. */
export function setAccessToken(token: string | null): void {
  accessToken = token;
}

export function getAccessToken(): string | null {
  return accessToken;
}

export function baseUrl(): string {
  return globalThis.location?.origin ?? "http://localhost";
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { "Accept-Language": currentLang(), ...extra };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  return headers;
}

let renewToken: (() => Promise<boolean>) | null = null;

/** What to do when the access token is refused (expired while the phone slept): the session
 * module registers its refresh here; a read is then tried once more with the new token. */
export function onUnauthorized(handler: () => Promise<boolean>): void {
  renewToken = handler;
}

const auth: Middleware = {
  onRequest({ request }) {
    for (const [name, value] of Object.entries(authHeaders())) {
      if (!request.headers.has(name)) request.headers.set(name, value);
    }
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status !== 401 || request.method !== "GET" || !renewToken || request.url.includes("/v1/auth/")) return response;
    if (!(await renewToken())) return response;
    const retry = new Request(request);
    retry.headers.set("Authorization", `Bearer ${accessToken ?? ""}`);
    return globalThis.fetch(retry);
  },
};

export const api = createClient<paths>({ baseUrl: baseUrl(), fetch: (request: Request) => globalThis.fetch(request) });
api.use(auth);

/** A fresh Idempotency-Key (RFC draft: a unique value per logical request). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
