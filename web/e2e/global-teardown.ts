// Stops the stack global-setup.ts started (left running with E2E_STACK=reuse or E2E_STACK=keep).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './support/paths';

export default async function globalTeardown(): Promise<void> {
  if (process.env.E2E_STACK === 'reuse' || process.env.E2E_STACK === 'keep') return;
  execFileSync(path.join(ROOT, '.venv/bin/python'), [path.join(ROOT, 'web/e2e/harness/e2e_stack.py'), 'down'], {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: 5 * 60_000,
  });
}
