/**
 * Starts the simulator in a child process (scripts/bench/_sim-process.ts) for the benches, so that its CPU is
 * shared but its memory (the rendered-body cache) is not counted as the contender's.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimStats, SimulatorOptions } from '../../etl/sim/simulator.ts';

/** The simulator in a child process. */
export interface SimChild {
  url: string;
  apiKey: string;
  configure(patch: Partial<SimulatorOptions>): void;
  reset(): void;
  stats(): Promise<SimStats>;
  close(): void;
}

export async function startSimChild(): Promise<SimChild> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '_sim-process.ts');
  const child = fork(script, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { url, apiKey } = await new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; apiKey: string }));
    child.once('exit', (code) => reject(new Error(`simulator process exited with ${code}`)));
  });
  return {
    url,
    apiKey,
    configure: (patch) => child.send({ configure: patch }),
    reset: () => child.send({ reset: true }),
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { stats: SimStats }).stats));
        child.send({ stats: true });
      }),
    close: () => child.disconnect(),
  };
}
