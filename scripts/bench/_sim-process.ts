/**
 * The simulator in a child process for benchmarks, so that its CPU and memory (rendered-body cache) are not counted
 * as the pipeline's. Prints nothing; sends `{ url, apiKey }` over IPC, applies `configure` messages, answers
 * `stats` messages with `{ stats }`, and exits when the parent disconnects.
 */
import { type SimulatorOptions, startSimulator } from '../../etl/sim/simulator.ts';

const sim = await startSimulator({ seed: 1, responseCacheBytes: 2 * 1024 ** 3 });
process.send?.({ url: sim.url, apiKey: sim.apiKey });
process.on(
  'message',
  (message: { configure?: Partial<SimulatorOptions>; stats?: boolean; reset?: boolean }) => {
    if (message.configure) sim.configure(message.configure);
    if (message.reset) sim.resetStats();
    if (message.stats) process.send?.({ stats: sim.stats() });
  },
);
process.on('disconnect', () => {
  void sim.close().then(() => process.exit(0));
});
