import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import type { UsulanCreate } from "../src/api/client";
import { database } from "../src/offline/db";
import { createOutbox, editable, type Transport } from "../src/offline/outbox";

const BODY: UsulanCreate = {
  desa: "12.21.01.2001", kamus_item_id: "12.21/2027/DRN-01", volume: "120.5",
  permasalahan: "Jalan tergenang", gagasan: "Bangun drainase",
};

let dbCounter = 0;
const freshDb = () => database(`outbox-test-${++dbCounter}-${Math.random()}`);

function json(status: number, body: unknown, type = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

/** A gateway that keeps what it created by Idempotency-Key (like the real one) and can be told to
 * lose the answer after creating (a flaky connection) or to answer with a given problem. */
class FakeGateway implements Transport {
  created = new Map<string, { id: string; tracking_code: string }>();
  posts: string[] = [];
  uploads: string[] = [];
  uploaded = new Set<string>();
  plan: ("lose-answer" | "offline" | Response)[] = [];
  photoPlan: ("offline" | Response)[] = [];

  async createUsulan(_tahun: number, _body: UsulanCreate, key: string): Promise<Response> {
    this.posts.push(key);
    await new Promise((r) => setTimeout(r, 5)); // let a second tab run meanwhile
    const step = this.plan.shift();
    if (step === "offline") throw new TypeError("Failed to fetch");
    if (step instanceof Response) return step;
    let usulan = this.created.get(key);
    if (!usulan) {
      usulan = { id: `u-${this.created.size + 1}`, tracking_code: `K7Q2M9X${this.created.size + 2}` };
      this.created.set(key, usulan);
    }
    if (step === "lose-answer") throw new TypeError("network connection was lost");
    return json(201, { ...usulan, status: "submitted" });
  }

  async uploadPhoto(usulanId: string, photo: { key: string }): Promise<Response> {
    this.uploads.push(photo.key);
    const step = this.photoPlan.shift();
    if (step === "offline") throw new TypeError("Failed to fetch");
    if (step instanceof Response) return step;
    this.uploaded.add(photo.key);
    return json(201, { id: `l-${this.uploaded.size}`, usulan_id: usulanId });
  }
}

const problem = (status: number, extra: Record<string, unknown>) =>
  json(status, { type: "urn:eplanning:problem:x", title: "Ditolak", status, detail: "detail", ...extra }, "application/problem+json");

describe("offline outbox", () => {
  it("creates a draft sent twice after a flaky connection only once, reusing its Idempotency-Key", async () => {
    const db = freshDb();
    const gateway = new FakeGateway();
    const box = createOutbox({ db, transport: gateway });
    const draft = await box.add(2027, BODY);
    expect(draft.state).toBe("local");
    expect(draft.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);

    gateway.plan = ["lose-answer"]; // the server created it, the answer never arrived
    const first = await box.sync();
    expect(first.offline).toBe(true);
    expect((await box.get(draft.id))!.state).toBe("local");

    // a reload: a new outbox over the same device database
    const reloaded = createOutbox({ db, transport: gateway });
    const second = await reloaded.sync();
    expect(second.offline).toBe(false);
    const sent = (await reloaded.get(draft.id))!;
    expect(sent.state).toBe("sent");
    expect(sent.usulan).toEqual({ id: "u-1", tracking_code: "K7Q2M9X2" });
    expect(gateway.posts).toEqual([draft.idempotencyKey, draft.idempotencyKey]);
    expect(gateway.created.size).toBe(1);

    // marked sent once: later rounds send nothing
    await reloaded.sync();
    expect(gateway.posts).toHaveLength(2);
  });

  it("forgets the proposer's personal data on the device once the usulan is sent", async () => {
    const db = freshDb();
    const gateway = new FakeGateway();
    const box = createOutbox({ db, transport: gateway });
    const draft = await box.add(2027, { ...BODY, pengusul: { nama: "Siti", telepon: "0812", nik: "1221010101010001", kelompok: null } });
    expect((await box.get(draft.id))!.body.pengusul?.nik).toBe("1221010101010001");
    await box.sync();
    const sent = (await box.get(draft.id))!;
    expect(sent.state).toBe("sent");
    expect(sent.body.pengusul).toBeUndefined();
    expect(sent.body.gagasan).toBe(BODY.gagasan);
  });

  it("sends a draft once when two tabs sync at the same time", async () => {
    const db = freshDb();
    const gateway = new FakeGateway();
    const tabA = createOutbox({ db, transport: gateway });
    const tabB = createOutbox({ db, transport: gateway });
    const draft = await tabA.add(2027, BODY);
    await Promise.all([tabA.sync(), tabB.sync(), tabA.sync()]);
    expect(gateway.posts).toEqual([draft.idempotencyKey]);
    expect((await tabB.get(draft.id))!.state).toBe("sent");
  });

  it("keeps a draft the server refused (422) with the reason, and a changed draft gets a new key", async () => {
    const db = freshDb();
    const gateway = new FakeGateway();
    const box = createOutbox({ db, transport: gateway });
    const draft = await box.add(2027, { ...BODY, volume: "5000" });
    gateway.plan = [problem(422, { errors: [{ field: "volume", message: "Volume melebihi batas kamus (2000)", code: "max_value" }] })];
    await box.sync();
    const refused = (await box.get(draft.id))!;
    expect(refused.state).toBe("rejected");
    expect(refused.problem?.status).toBe(422);
    expect(refused.problem?.errors).toEqual([{ field: "volume", message: "Volume melebihi batas kamus (2000)", code: "max_value" }]);
    expect(await box.list()).toHaveLength(1);
    expect(editable(refused)).toBe(true);

    await box.sync(); // a refused draft is not resent as it is
    expect(gateway.posts).toHaveLength(1);

    const changed = await box.update(draft.id, { ...BODY, volume: "1500" });
    expect(changed.state).toBe("local");
    expect(changed.problem).toBeUndefined();
    expect(changed.idempotencyKey).not.toBe(draft.idempotencyKey);
    await box.sync();
    expect((await box.get(draft.id))!.state).toBe("sent");
    expect(gateway.posts).toEqual([draft.idempotencyKey, changed.idempotencyKey]);
  });

  it("keeps a draft whose desa window closed while offline, reported as window_closed", async () => {
    const db = freshDb();
    const gateway = new FakeGateway();
    let clock = Date.parse("2027-02-01T00:00:00+07:00");
    const box = createOutbox({ db, transport: gateway, now: () => new Date((clock += 1000)) });
    const a = await box.add(2027, BODY);
    const b = await box.add(2027, { ...BODY, gagasan: "Kedua" });
    gateway.plan = [
      problem(409, { code: "schedule_closed", detail: "Jendela desa sudah ditutup" }),
      problem(409, { code: "stage_closed", detail: "Tahap Musrenbang 12.21 2027 sudah ditutup" }),
    ];
    await box.sync();
    for (const id of [a.id, b.id]) {
      const kept = (await box.get(id))!;
      expect(kept.state).toBe("window_closed");
      expect(kept.body.desa).toBe("12.21.01.2001");
    }
    expect((await box.get(a.id))!.problem?.detail).toBe("Jendela desa sudah ditutup");
    expect(gateway.created.size).toBe(0);
  });

  it("leaves a draft waiting on 503 and stops the round on 401 (sign in again)", async () => {
    const db = freshDb();
    const gateway = new FakeGateway();
    const box = createOutbox({ db, transport: gateway });
    const draft = await box.add(2027, BODY);
    gateway.plan = [problem(503, {})];
    await box.sync();
    expect((await box.get(draft.id))!.state).toBe("local");
    gateway.plan = [problem(401, { code: "invalid_token" })];
    const result = await box.sync();
    expect(result.needsSignIn).toBe(true);
    const waiting = (await box.get(draft.id))!;
    expect(waiting.state).toBe("local");
    expect(editable(waiting)).toBe(false); // attempted: its key may already have reached the server
    await box.sync();
    expect((await box.get(draft.id))!.state).toBe("sent");
    expect(new Set(gateway.posts)).toEqual(new Set([draft.idempotencyKey]));
  });

  it("uploads the photos after the usulan, each with its own key, retried with the same key", async () => {
    const db = freshDb();
    const gateway = new FakeGateway();
    const box = createOutbox({ db, transport: gateway });
    const photo = { name: "foto.jpg", type: "image/jpeg", data: new Uint8Array([0xff, 0xd8, 0xff]).buffer };
    const draft = await box.add(2027, BODY, [photo, { ...photo, name: "foto2.jpg" }]);
    const [k1, k2] = draft.photos.map((p) => p.key);
    expect(k1).not.toBe(k2);
    gateway.photoPlan = [json(201, {}), "offline"];
    await box.sync();
    let after = (await box.get(draft.id))!;
    expect(after.state).toBe("sent");
    expect(after.photos.map((p) => p.uploaded)).toEqual([true, false]);
    gateway.photoPlan = [problem(415, { detail: "Bukan foto", errors: [] })];
    await box.sync();
    after = (await box.get(draft.id))!;
    expect(gateway.uploads).toEqual([k1, k2, k2]);
    expect(gateway.posts).toHaveLength(1);
    expect(after.photos[1]!.problem?.status).toBe(415);
    await box.sync();
    expect(gateway.uploads).toHaveLength(3); // a refused photo is not resent
  });
});

describe("offline outbox: sending again", () => {
  it("sends a window-closed draft again with a new key once the window is reopened", async () => {
    const db = freshDb();
    const gateway = new FakeGateway();
    const box = createOutbox({ db, transport: gateway });
    const draft = await box.add(2027, BODY);
    gateway.plan = [problem(409, { code: "schedule_closed", detail: "Jadwal Musrenbang desa sudah ditutup" })];
    await box.sync();
    expect((await box.get(draft.id))!.state).toBe("window_closed");
    const again = await box.retry(draft.id);
    expect(again.state).toBe("local");
    expect(again.idempotencyKey).not.toBe(draft.idempotencyKey); // the gateway keeps the 409 under the old key
    await box.sync();
    expect((await box.get(draft.id))!.state).toBe("sent");
    expect(gateway.created.size).toBe(1);
  });

  it("waits (same key) when the gateway says the first request with the key is still running", async () => {
    const db = freshDb();
    const gateway = new FakeGateway();
    const box = createOutbox({ db, transport: gateway });
    const draft = await box.add(2027, BODY);
    gateway.plan = [problem(409, { code: "idempotency_in_progress" })];
    await box.sync();
    expect((await box.get(draft.id))!.state).toBe("local");
    await box.sync();
    expect((await box.get(draft.id))!.state).toBe("sent");
    expect(gateway.posts).toEqual([draft.idempotencyKey, draft.idempotencyKey]);
  });
});
