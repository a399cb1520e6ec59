// Starts the isolated stack and seeds it (harness/e2e_stack.py up), unless E2E_STACK=reuse and a
// seeded stack answers already (a developer iterating on the journeys).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BASE_URL, ROOT, SEED_FILE } from './support/paths';

function python(): string {
  return path.join(ROOT, '.venv/bin/python');
}

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/readyz`);
    return r.status === 200;
  } catch {
    return false;
  }
}

export default async function globalSetup(): Promise<void> {
  const url = BASE_URL;
  if (process.env.E2E_STACK === 'reuse' && fs.existsSync(SEED_FILE) && (await answers(url))) {
    console.log(`e2e: reusing the stack at ${url} (E2E_STACK=reuse)`);
    await servesTheApp(url);
    return;
  }
  execFileSync(python(), [path.join(ROOT, 'web/e2e/harness/e2e_stack.py'), 'up'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, E2E_SEED_FILE: SEED_FILE },
    timeout: 40 * 60_000,
  });
  await servesTheApp(url);
}

/** The gateway serves the built app at `/` (an HTML page), or the run stops here saying why. */
async function servesTheApp(url: string): Promise<void> {
  const r = await fetch(`${url}/`);
  const type = r.headers.get('content-type') ?? '';
  if (!type.startsWith('text/html')) {
    throw new Error(`the gateway at ${url}/ does not serve the web app (HTTP ${r.status}, ${type}): ${(await r.text()).slice(0, 300)}`);
  }
}
