// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const IDENTITY = { sub: "op-desa-2001", role: "operator_desa", pemda: "12.21", wilayah: "12.21.01.2001", opd: null, anggota_id: null };
const GRANT = { access_token: "eyJ.access.sig", token_type: "Bearer", expires_in: 900, csrf_token: "csrf-from-body" };

type Call = { url: string; init: RequestInit | undefined; headers: Headers };
let calls: Call[] = [];

function answer(status: number, body: unknown): Response {
  return new Response(body === null ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function stubFetch(route: (url: string) => Response | Promise<Response>) {
  vi.stubGlobal("fetch", vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(input instanceof Request ? input.headers : init?.headers);
    calls.push({ url, init, headers });
    return route(url);
  }));
}

beforeEach(() => {
  calls = [];
  vi.resetModules();
  localStorage.clear();
  document.cookie = "ep_csrf=csrf-from-cookie; path=/";
});
afterEach(() => vi.unstubAllGlobals());

describe("browser sign-in", () => {
  it("signs in through /v1/auth/browser/login; the access token stays in memory, never in storage", async () => {
    stubFetch((url) => url.endsWith("/v1/auth/browser/login") ? answer(200, GRANT) : answer(200, { identity: IDENTITY }));
    const session = await import("../src/auth/session");
    const client = await import("../src/api/client");
    const state = await session.signIn({ username: "desa.12.21.01.2001", password: "rahasia-panjang" });
    expect(state).toEqual({ status: "signed-in", identity: IDENTITY });
    expect(client.getAccessToken()).toBe("eyJ.access.sig");
    expect(calls[0]!.url).toMatch(/\/v1\/auth\/browser\/login$/);
    expect(calls[0]!.init?.credentials).toBe("same-origin");
    expect(calls[1]!.headers.get("Authorization")).toBe("Bearer eyJ.access.sig"); // /v1/auth/me
    const stored = JSON.stringify({ ...localStorage });
    expect(stored).not.toContain("eyJ.access.sig");
    expect(document.cookie).not.toContain("eyJ.access.sig");
  });

  it("after a reload asks /v1/auth/browser/refresh with the ep_csrf cookie in X-CSRF-Token", async () => {
    stubFetch((url) => url.endsWith("/refresh") ? answer(200, GRANT) : answer(200, { identity: IDENTITY }));
    const session = await import("../src/auth/session");
    const state = await session.refresh();
    expect(state.status).toBe("signed-in");
    expect(calls[0]!.url).toMatch(/\/v1\/auth\/browser\/refresh$/);
    expect(calls[0]!.init?.method).toBe("POST");
    expect(calls[0]!.headers.get("X-CSRF-Token")).toBe("csrf-from-cookie");
    expect(calls[0]!.init?.body).toBeUndefined();
  });

  it("is signed out when the refresh cookie is refused, and shows a wrong password's problem", async () => {
    stubFetch((url) => url.endsWith("/refresh")
      ? answer(401, { status: 401, title: "Belum terautentikasi", code: "invalid_refresh_token" })
      : answer(401, { status: 401, title: "Belum terautentikasi", detail: "Nama pengguna atau kata sandi salah", code: "invalid_credentials" }));
    const session = await import("../src/auth/session");
    expect((await session.refresh()).status).toBe("signed-out");
    const outcome = await session.signIn({ username: "x", password: "salah-salah-salah" });
    expect(outcome).toMatchObject({ status: 401, code: "invalid_credentials", detail: "Nama pengguna atau kata sandi salah" });
  });

  it("offline after a reload: the device's last identity (no token) so drafts can still be written", async () => {
    stubFetch((url) => url.endsWith("/login") ? answer(200, GRANT) : answer(200, { identity: IDENTITY }));
    let session = await import("../src/auth/session");
    await session.signIn({ username: "desa.12.21.01.2001", password: "rahasia-panjang" });
    vi.resetModules(); // a reload: memory is gone
    stubFetch(() => { throw new TypeError("Failed to fetch"); });
    session = await import("../src/auth/session");
    const state = await session.refresh();
    expect(state).toEqual({ status: "offline", identity: IDENTITY });
    expect((await import("../src/api/client")).getAccessToken()).toBeNull();
  });

  it("logout revokes with the CSRF header and forgets the identity", async () => {
    stubFetch((url) => url.endsWith("/logout") ? new Response(null, { status: 204 }) : url.endsWith("/login") ? answer(200, GRANT) : answer(200, { identity: IDENTITY }));
    const session = await import("../src/auth/session");
    await session.signIn({ username: "desa.12.21.01.2001", password: "rahasia-panjang" });
    await session.signOut();
    const logout = calls.find((c) => c.url.endsWith("/v1/auth/browser/logout"))!;
    expect(logout.headers.get("X-CSRF-Token")).toBe("csrf-from-cookie");
    expect(session.sessionState().status).toBe("signed-out");
    expect(localStorage.getItem("eplanning.identity")).toBeNull();
    expect((await import("../src/api/client")).getAccessToken()).toBeNull();
  });
});


describe("an expired access token", () => {
  it("is renewed once through the refresh cookie and the read is retried", async () => {
    let meCalls = 0;
    stubFetch((url) => {
      if (url.endsWith("/v1/auth/browser/login")) return answer(200, GRANT);
      if (url.endsWith("/v1/auth/browser/refresh")) return answer(200, { ...GRANT, access_token: "eyJ.renewed.sig" });
      if (url.endsWith("/v1/auth/me")) return answer(200, { identity: IDENTITY });
      meCalls += 1;
      return meCalls === 1 ? answer(401, { status: 401, code: "invalid_token" }) : answer(200, { items: [] });
    });
    const session = await import("../src/auth/session");
    const { api } = await import("../src/api/client");
    await session.signIn({ username: "desa.12.21.01.2001", password: "rahasia-panjang" });
    const result = await api.GET("/v1/musrenbang/{tahun}/kamus", { params: { path: { tahun: 2027 } } });
    expect(result.data).toEqual({ items: [] });
    const kamus = calls.filter((c) => c.url.includes("/kamus"));
    expect(kamus.map((c) => c.headers.get("Authorization"))).toEqual(["Bearer eyJ.access.sig", "Bearer eyJ.renewed.sig"]);
  });
});
