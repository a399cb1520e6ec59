/** Browser sign-in (contract of issue 14): the access token in memory only; the refresh token in an
 * HttpOnly SameSite=Strict cookie the app never sees, renewed through /v1/auth/browser/refresh with
 * the double-submit CSRF token (cookie `ep_csrf` echoed in `X-CSRF-Token`). After a reload the app
 * asks for a new access token with that cookie; nothing sensitive is ever written to storage. */
import { useEffect, useState } from "preact/hooks";
import { api, authHeaders, baseUrl, onUnauthorized, setAccessToken, type BodyOf, type Identity, type ResponseOf } from "../api/client";
import { NETWORK, problemFromResponse, type Problem } from "../api/problem";

// TODO(i14-api): use the generated types of /v1/auth/browser/* once the gateway documents them; until
// then the JSON grant of /v1/auth/login minus the refresh token (which stays in the cookie).
type JsonGrant = ResponseOf<"/v1/auth/login", "post", 200>;
export type BrowserGrant = Omit<JsonGrant, "refresh_token" | "refresh_expires_in"> & { csrf_token: string };
export type Credentials = BodyOf<"/v1/auth/login", "post">;

export type SessionState =
  | { status: "unknown" }
  | { status: "signed-out" }
  | { status: "signed-in"; identity: Identity }
  /** No connection after a reload: the last identity on this device, so drafts can still be
   * written; they are sent once a refresh succeeds (the refresh cookie is still there). */
  | { status: "offline"; identity: Identity };

// who was signed in on this device last (role and territory, never a token): lets a desa operator
// who reloads the app with no signal keep writing drafts
const IDENTITY_KEY = "eplanning.identity";

function rememberIdentity(identity: Identity | null): void {
  try {
    if (identity) globalThis.localStorage?.setItem(IDENTITY_KEY, JSON.stringify(identity));
    else globalThis.localStorage?.removeItem(IDENTITY_KEY);
  } catch {
    // no storage: offline drafting after a reload is not available
  }
}

function rememberedIdentity(): Identity | null {
  try {
    const raw = globalThis.localStorage?.getItem(IDENTITY_KEY);
    return raw ? (JSON.parse(raw) as Identity) : null;
  } catch {
    return null;
  }
}

let state: SessionState = { status: "unknown" };
let csrfToken: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<(s: SessionState) => void>();

function publish(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener(next);
}

/** Call `listener` on every change of the session; returns the unsubscribe. */
export function onSession(listener: (s: SessionState) => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
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
  rememberIdentity(me.data.identity);
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
        rememberIdentity(null);
        publish({ status: "signed-out" });
        return state;
      }
      return await accept((await response.json()) as BrowserGrant);
    } catch {
      // no connection: keep what we know; after a reload, the identity last signed in here
      if (state.status === "unknown") {
        const identity = rememberedIdentity();
        publish(identity ? { status: "offline", identity } : { status: "signed-out" });
      }
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
  rememberIdentity(null);
  publish({ status: "signed-out" });
}

/** The identity to show screens for: signed in, or offline with the device's last identity. */
export function identityOf(s: SessionState): Identity | null {
  return s.status === "signed-in" || s.status === "offline" ? s.identity : null;
}

// an access token refused by the gateway (it expired while the phone slept): one refresh, then retry
onUnauthorized(async () => (await refresh()).status === "signed-in");

// the connection is back: get a token (then the outbox can send)
globalThis.addEventListener?.("online", () => {
  if (state.status === "offline") void refresh();
});
