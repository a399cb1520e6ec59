/** The device's own store (IndexedDB through `idb`): drafts waiting to be sent (the outbox) and the
 * reference data the forms need offline (catalogue, region names, schedule). */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { UsulanCreate } from "../api/client";
import type { Problem } from "../api/problem";

export type SyncState = "local" | "sending" | "sent" | "rejected" | "window_closed";

export interface DraftPhoto {
  /** Its own Idempotency-Key: a retried upload never attaches the photo twice. */
  key: string;
  name: string;
  type: string;
  data: ArrayBuffer;
  uploaded: boolean;
  problem?: Problem | undefined;
}

export interface Draft {
  id: string;
  /** Set when the draft is created and kept for every retry (a reload or another tab included). */
  idempotencyKey: string;
  tahun: number;
  body: UsulanCreate;
  photos: DraftPhoto[];
  state: SyncState;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  problem?: Problem | undefined;
  usulan?: { id: string; tracking_code: string } | undefined;
}

export interface Reference {
  key: string;
  value: unknown;
  at: string;
}

interface EPlanningDB extends DBSchema {
  drafts: { key: string; value: Draft; indexes: { state: SyncState } };
  reference: { key: string; value: Reference };
}

export type Database = IDBPDatabase<EPlanningDB>;

export const DB_NAME = "eplanning";

let opened: Promise<Database> | null = null;

export function database(name: string = DB_NAME): Promise<Database> {
  if (name !== DB_NAME) return open(name);
  opened ??= open(name);
  return opened;
}

function open(name: string): Promise<Database> {
  return openDB<EPlanningDB>(name, 1, {
    upgrade(db) {
      const drafts = db.createObjectStore("drafts", { keyPath: "id" });
      drafts.createIndex("state", "state");
      db.createObjectStore("reference", { keyPath: "key" });
    },
  });
}
