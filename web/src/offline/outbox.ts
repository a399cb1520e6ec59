/** The offline outbox (KoboToolbox/Enketo style): an usulan written without a connection is a draft
 * on the device, sent when the connection returns. Each draft carries its own Idempotency-Key from
 * the moment it is created, and every attempt reuses it, so a retry after a lost answer, a reload or
 * a second tab never creates the usulan twice (the gateway answers a repeated key with the first
 * answer). Sending runs under a cross-tab lock and re-reads each draft inside it, so a draft another
 * tab has just sent is not sent again.
 *
 * Outcomes per draft: `sent` (with the tracking code); `rejected` (the server refused the content:
 * kept, with the server's reason, to be changed and sent again); `window_closed` (the desa window
 * closed while the phone was offline: kept, reported); a network failure or a 5xx/429 leaves it
 * `local` for the next try; a 401 stops the round until the operator signs in again. */
import { authHeaders, baseUrl, newIdempotencyKey, type Usulan, type UsulanCreate } from "../api/client";
import { isTransient, isWindowClosed, NETWORK, problemFromResponse, type Problem } from "../api/problem";
import { identityOf, rememberedIdentity, sessionState } from "../auth/session";
import { database, type Database, type Draft, type DraftPhoto, type SyncState } from "./db";
import { announce, withLock } from "./lock";

export type { Draft, DraftPhoto, SyncState };

export const MAX_PHOTOS = 10;

export interface PhotoInput { name: string; type: string; data: ArrayBuffer }

/** How drafts reach the gateway (the default uses fetch; tests pass their own). */
export interface Transport {
  createUsulan(tahun: number, body: UsulanCreate, idempotencyKey: string): Promise<Response>;
  uploadPhoto(usulanId: string, photo: DraftPhoto): Promise<Response>;
}

/** A send that gets no answer in this time is given up (the draft waits for the next try, with the
 * same Idempotency-Key, so an answer lost on the way never makes a second usulan): a request left
 * hanging by a dropped connection must not keep the outbox's lock for ever. */
export const SEND_TIMEOUT_MS = 30_000;

function timeout(ms: number): AbortSignal | undefined {
  return typeof AbortSignal !== "undefined" && "timeout" in AbortSignal ? AbortSignal.timeout(ms) : undefined;
}

export const fetchTransport: Transport = {
  createUsulan(tahun, body, idempotencyKey) {
    return fetch(`${baseUrl()}/v1/musrenbang/${tahun}/usulan`, {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/json", "Idempotency-Key": idempotencyKey }),
      body: JSON.stringify(body),
      signal: timeout(SEND_TIMEOUT_MS),
    });
  },
  uploadPhoto(usulanId, photo) {
    // Attachment endpoint of the issue-14 contract (POST .../lampiran, multipart `file`).
    // TODO(i14-attach): switch to the generated operation once the gateway documents it.
    const form = new FormData();
    form.append("file", new Blob([photo.data], { type: photo.type }), photo.name);
    return fetch(`${baseUrl()}/v1/musrenbang/usulan/${encodeURIComponent(usulanId)}/lampiran`, {
      method: "POST", headers: authHeaders({ "Idempotency-Key": photo.key }), body: form,
      signal: timeout(SEND_TIMEOUT_MS * 4),
    });
  },
};

export interface Outbox {
  add(tahun: number, body: UsulanCreate, photos?: PhotoInput[]): Promise<Draft>;
  update(id: string, body: UsulanCreate, photos?: PhotoInput[]): Promise<Draft>;
  get(id: string): Promise<Draft | undefined>;
  list(): Promise<Draft[]>;
  remove(id: string): Promise<void>;
  /** Send a refused draft again as it is (e.g. the window was reopened): a new Idempotency-Key,
   * since the gateway keeps the refusal under the old one and the refused attempt created nothing. */
  retry(id: string): Promise<Draft>;
  /** Send every draft that waits (one round); the drafts afterwards. */
  sync(): Promise<SyncResult>;
}

export interface SyncResult { drafts: Draft[]; needsSignIn: boolean; offline: boolean }

const LOCK = "eplanning-outbox-send";
const WAITING: SyncState[] = ["local", "sending"];

function photoRecords(photos: PhotoInput[] = []): DraftPhoto[] {
  return photos.slice(0, MAX_PHOTOS).map((p) => ({ ...p, key: newIdempotencyKey(), uploaded: false }));
}

/** Can the operator still change this draft? Not once an attempt may have reached the server with
 * its key (the same key with another body would be refused), unless the server said no. */
export function editable(draft: Draft): boolean {
  return draft.state === "rejected" || draft.state === "window_closed" || (draft.state === "local" && draft.attempts === 0);
}

/** Still worth showing on the device: not sent yet, or a photo not sent (waiting or refused). */
export function needsAttention(draft: Draft): boolean {
  return draft.state !== "sent" || draft.photos.some((p) => !p.uploaded);
}

export interface OutboxOptions {
  db?: Promise<Database>;
  transport?: Transport;
  now?: () => Date;
  /** Who is using the app (`sub`; null: nobody). A device shared by two operators keeps each one's
   * drafts apart: listed for and sent with the token of the one who wrote them only. */
  owner?: () => string | null;
}

export function createOutbox(options: OutboxOptions = {}): Outbox {
  const db = options.db ?? database();
  const owner = options.owner ?? (() => "");
  const mine = (draft: Draft) => draft.owner === owner();
  const transport = options.transport ?? fetchTransport;
  const now = () => (options.now?.() ?? new Date()).toISOString();

  async function put(draft: Draft): Promise<Draft> {
    await (await db).put("drafts", draft);
    announce();
    return draft;
  }

  async function sendOne(id: string): Promise<"ok" | "unauthorized" | "offline"> {
    const store = await db;
    let draft = await store.get("drafts", id);
    if (!draft) return "ok";
    if (WAITING.includes(draft.state)) {
      draft = await put({ ...draft, state: "sending", attempts: draft.attempts + 1, updatedAt: now() });
      let response: Response | null = null;
      try {
        response = await transport.createUsulan(draft.tahun, draft.body, draft.idempotencyKey);
      } catch {
        response = null;
      }
      if (response === null) {
        await put({ ...draft, state: "local", problem: NETWORK, updatedAt: now() });
        return "offline";
      }
      if (response.status === 401) {
        await put({ ...draft, state: "local", updatedAt: now() });
        return "unauthorized";
      }
      if (response.ok) {
        const usulan = (await response.json()) as Usulan;
        // the proposer's personal data (name, phone, NIK) stays on the server only, not on the device
        const { pengusul: _personal, ...kept } = draft.body;
        draft = await put({
          ...draft, body: kept as UsulanCreate, state: "sent", problem: undefined, updatedAt: now(),
          usulan: { id: usulan.id, tracking_code: usulan.tracking_code },
        });
      } else {
        const problem = await problemFromResponse(response);
        const state: SyncState = isTransient(problem) ? "local" : isWindowClosed(problem) ? "window_closed" : "rejected";
        await put({ ...draft, state, problem, updatedAt: now() });
        return isTransient(problem) && problem.status === 0 ? "offline" : "ok";
      }
    }
    if (draft.state === "sent" && draft.usulan && draft.photos.some((p) => !p.uploaded && !p.problem)) {
      return sendPhotos(draft);
    }
    return "ok";
  }

  async function sendPhotos(draft: Draft): Promise<"ok" | "unauthorized" | "offline"> {
    const photos = [...draft.photos];
    let outcome: "ok" | "unauthorized" | "offline" = "ok";
    for (const [index, photo] of photos.entries()) {
      if (photo.uploaded || photo.problem) continue;
      let response: Response | null = null;
      try {
        response = await transport.uploadPhoto(draft.usulan!.id, photo);
      } catch {
        response = null;
      }
      if (response === null) { outcome = "offline"; break; }
      if (response.status === 401) { outcome = "unauthorized"; break; }
      if (response.ok) {
        photos[index] = { ...photo, uploaded: true, data: new ArrayBuffer(0) }; // free the device's space
      } else {
        const problem = await problemFromResponse(response);
        if (isTransient(problem)) { outcome = "offline"; break; }
        photos[index] = { ...photo, problem };
      }
    }
    await put({ ...draft, photos, updatedAt: now() });
    return outcome;
  }

  return {
    async add(tahun, body, photos) {
      const at = now();
      const who = owner();
      if (who === null) throw new Error("nobody is signed in on this device");
      return put({
        id: newIdempotencyKey(), owner: who, idempotencyKey: newIdempotencyKey(), tahun, body, photos: photoRecords(photos),
        state: "local", attempts: 0, createdAt: at, updatedAt: at,
      });
    },
    async update(id, body, photos) {
      const draft = await (await db).get("drafts", id);
      if (!draft || !mine(draft)) throw new Error(`draft ${id} not found`);
      if (!editable(draft)) throw new Error(`draft ${id} may no longer be changed`);
      // the refused attempt created nothing: the changed usulan is a new request with a new key
      const fresh = draft.state === "local" ? draft.idempotencyKey : newIdempotencyKey();
      return put({
        ...draft, body, photos: photos ? photoRecords(photos) : draft.photos, idempotencyKey: fresh,
        state: "local", attempts: draft.state === "local" ? draft.attempts : 0, problem: undefined, updatedAt: now(),
      });
    },
    async retry(id) {
      const draft = await (await db).get("drafts", id);
      if (!draft || !mine(draft)) throw new Error(`draft ${id} not found`);
      if (draft.state !== "rejected" && draft.state !== "window_closed") return draft;
      return put({ ...draft, idempotencyKey: newIdempotencyKey(), state: "local", attempts: 0, problem: undefined, updatedAt: now() });
    },
    async get(id) {
      const draft = await (await db).get("drafts", id);
      return draft && mine(draft) ? draft : undefined;
    },
    async list() {
      const drafts = (await (await db).getAll("drafts")).filter(mine);
      return drafts.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async remove(id) {
      const draft = await (await db).get("drafts", id);
      if (!draft || !mine(draft)) return;
      await (await db).delete("drafts", id);
      announce();
    },
    async sync() {
      return withLock(LOCK, async () => {
        let needsSignIn = false;
        let offline = false;
        const ids = (await (await db).getAll("drafts"))
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt)) // in the order they were written
          .filter(mine)
          .filter((d) => WAITING.includes(d.state) || (d.state === "sent" && d.photos.some((p) => !p.uploaded && !p.problem)))
          .map((d) => d.id);
        for (const id of ids) {
          const outcome = await sendOne(id); // re-reads the draft: another tab may have sent it meanwhile
          if (outcome === "unauthorized") { needsSignIn = true; break; }
          if (outcome === "offline") { offline = true; break; }
        }
        return { drafts: await this.list(), needsSignIn, offline };
      });
    },
  };
}

let shared: Outbox | null = null;

/** Whose drafts: the signed-in operator; while the session is still being restored after a reload,
 * the one last signed in on this device (so the drafts show at once, also with no signal). */
export function sessionOwner(): string | null {
  const s = sessionState();
  return (s.status === "unknown" ? rememberedIdentity() : identityOf(s))?.sub ?? null;
}

/** The app's outbox (IndexedDB `eplanning`, fetch to the gateway), for whoever is signed in. */
export function outbox(): Outbox {
  shared ??= createOutbox({ owner: sessionOwner });
  return shared;
}

/** Send the drafts now and whenever the connection returns or the app comes back to the front. */
export function startAutoSync(canSend: () => boolean, onResult?: (result: SyncResult) => void): { run: () => void; stop: () => void } {
  const run = () => {
    if (!canSend() || globalThis.navigator?.onLine === false) return;
    void outbox().sync().then((r) => onResult?.(r)).catch(() => undefined);
  };
  const visible = () => { if (document.visibilityState === "visible") run(); };
  globalThis.addEventListener?.("online", run);
  document.addEventListener("visibilitychange", visible);
  const timer = setInterval(run, 60_000);
  run();
  return {
    run,
    stop: () => {
      globalThis.removeEventListener?.("online", run);
      document.removeEventListener("visibilitychange", visible);
      clearInterval(timer);
    },
  };
}
