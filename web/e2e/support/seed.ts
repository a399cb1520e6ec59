// What harness/seed.py put into the stack (users, years, tracking codes), read by the journeys.
import fs from 'node:fs';
import { SEED_FILE } from './paths';

export interface ForumUsulan {
  key: string;
  id: string;
  tracking_code: string;
  desa: string;
  gagasan: string;
  volume: string;
  harga_satuan: string;
  kamus: string;
}

export interface Seed {
  gateway: string;
  pemda: string;
  cycle_year: number;
  current_year: number;
  password: string;
  users: { desa: string; desa_offline: string; kecamatan: string; bappeda: string };
  desa: { journey: string; offline: string };
  forum: { kecamatan: string; usulan: ForumUsulan[] };
  tracked_code: string;
  rkpd: { nomor: number; versi: string; content_hash: string; files: Record<string, { sha256: string }> };
  criteria: { name: string; weight: string; max_score: number }[];
}

let cached: Seed | undefined;

export function seed(): Seed {
  cached ??= JSON.parse(fs.readFileSync(SEED_FILE, 'utf-8')) as Seed;
  return cached;
}
