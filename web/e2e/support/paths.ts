import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** web/e2e */
export const E2E_DIR = path.resolve(here, '..');
/** the clone's root */
export const ROOT = path.resolve(E2E_DIR, '../..');
/** screenshots, the slow-3G figure, reports (gitignored) */
export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? path.join(E2E_DIR, 'artifacts');
export const SEED_FILE = process.env.E2E_SEED_FILE ?? path.join(ARTIFACTS, 'seed.json');
/** the isolated stack's gateway (harness/e2e_stack.py: E2E_GATEWAY_PORT, default 8480) */
export const BASE_URL = process.env.E2E_BASE_URL ?? `http://127.0.0.1:${process.env.E2E_GATEWAY_PORT ?? '8480'}`;
