/** Runs `mqs etl` as a child process (the scheduler's unit of work): its own memory, its own exit code. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../etl/core/project-root.ts';

const MQS = path.join(PROJECT_ROOT, 'scripts', 'mqs.mjs');

/** Resolves with the child's exit code; a signal on `signal` is passed on to the child (SIGTERM). */
export function spawnEtl(args: readonly string[], signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MQS, 'etl', ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', reject);
    child.once('exit', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(code ?? (killedBy ? 1 : 0));
    });
  });
}
