/** Browser sign-in (contract of issue 14): the access token in memory only; the refresh token in an
 * HttpOnly SameSite=Strict cookie the app never sees, renewed through /v1/auth/browser/refresh with
 * the double-submit CSRF token (cookie `ep_csrf` echoed in `X-CSRF-Token`). After a reload the app
 * asks for a new access token with that cookie; nothing sensitive is ever written to storage. */
import { useEffect, useState } from "preact/hooks";
import { api, authHeaders, baseUrl, setAccessToken, type BodyOf, type Identity, type ResponseOf } from "../api/client";
import { NETWORK, problemFromResponse, type Problem } from "../api/problem";

// TODO(i14-api): use the generated types of /v1/auth/browser/* once the gateway documents them; until
// then the JSON grant of /v1/auth/login minus the refresh token (which stays in the cookie).
type JsonGrant = ResponseOf<"/v1/auth/login", "post", 200>;
export type BrowserGrant = Omit<JsonGrant, "refresh_token" | "refresh_expires_in"> & { csrf_token: string };
export type Credentials = BodyOf<"/v1/auth/login", "post">;

export type SessionState =
  | { status: "unknown" }
  | { status: "signed-out" }
  | { status: "signed-in"; identity: Identity };

let state: SessionState = { status: "unknown" };
let csrfToken: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<(s: SessionState) => void>();

function publish(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener(next);
}

export function sessionState(): SessionState {
  return state;
}

export function useSession(): SessionState {
  const [current, set] = useState<SessionState>(state);
  useEffect(() => {
    listeners.add(set);
    set(state);
    return () => {
      listeners.delete(set);
    };
  }, []);
  return current;
}

function cookie(name: string): string | null {
  const raw = globalThis.document?.cookie ?? "";
  for (const part of raw.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return null;
}

function csrf(): string {
  return cookie("ep_csrf") ?? csrfToken ?? "";
}

async function accept(grant: BrowserGrant): Promise<SessionState> {
  setAccessToken(grant.access_token);
  csrfToken = grant.csrf_token;
  clearTimeout(refreshTimer);
  // renew a minute before the access token expires (or halfway for very short lifetimes)
  const lifetime = Math.max(10, grant.expires_in);
  refreshTimer = setTimeout(() => void refresh(), Math.max(5, lifetime - Math.min(60, lifetime / 2)) * 1000);
  const me = await api.GET("/v1/auth/me");
  if (!me.data) {
    setAccessToken(null);
    publish({ status: "signed-out" });
    return state;
  }
  publish({ status: "signed-in", identity: me.data.identity });
  return state;
}

async function post(path: string, init: RequestInit): Promise<Response> {
  return fetch(baseUrl() + path, { credentials: "same-origin", ...init });
}

/** Sign in; the answer is the session, or the problem to show beside the fields. */
export async function signIn(credentials: Credentials): Promise<SessionState | Problem> {
  let response: Response;
  try {
    response = await post("/v1/auth/browser/login", {
      method: "POST", headers: authHeaders({ "Content-Type": "application/json" }), body: JSON.stringify(credentials),
    });
  } catch {
    return NETWORK;
  }
  if (!response.ok) return problemFromResponse(response);
  return accept((await response.json()) as BrowserGrant);
}

let refreshing: Promise<SessionState> | null = null;

/** A new access token from the refresh cookie (after a reload, or before the token expires). */
export function refresh(): Promise<SessionState> {
  refreshing ??= (async () => {
    try {
      const response = await post("/v1/auth/browser/refresh", { method: "POST", headers: authHeaders({ "X-CSRF-Token": csrf() }) });
      if (!response.ok) {
        setAccessToken(null);
        publish({ status: "signed-out" });
        return state;
      }
      return await accept((await response.json()) as BrowserGrant);
    } catch {
      // offline: keep what we know (signed in with an expired token counts as signed out for sending)
      if (state.status === "unknown") publish({ status: "signed-out" });
      return state;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function signOut(): Promise<void> {
  clearTimeout(refreshTimer);
  try {
    await post("/v1/auth/browser/logout", { method: "POST", headers: authHeaders({ "X-CSRF-Token": csrf() }) });
  } catch {
    // offline: the cookie expires on its own; the token is gone from memory below
  }
  setAccessToken(null);
  csrfToken = null;
  publish({ status: "signed-out" });
}
