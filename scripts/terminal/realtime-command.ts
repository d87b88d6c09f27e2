/**
 * `mqs etl realtime`: the poll loop (etl/pipeline/realtime-poller.ts) and one poll (etl/pipeline/realtime-etl.ts)
 * wired to the FMP source and the warehouse writer (holding the `etl` lock) until the close or Ctrl-C; prints
 * what was merged.
 */

import type { AppContext } from '../../etl/core/app-context.ts';
import { type EtlArgs, readSymbols } from '../../etl/pipeline/etl-options.ts';
import { describeSource } from '../../etl/pipeline/load-source.ts';
import { makeRealtimePoll } from '../../etl/pipeline/realtime-etl.ts';
import { runRealtime } from '../../etl/pipeline/realtime-poller.ts';
import { openEtlWriter } from '../../etl/pipeline/run-etl.ts';
import type { EtlCommandOptions } from './etl-command.ts';

export async function runRealtimeEtl(
  args: EtlArgs,
  context: AppContext,
  command: EtlCommandOptions,
): Promise<void> {
  const { log, clock } = context;
  const symbols = readSymbols(args);
  const { openFmpConnection } = await import('../../etl/pipeline/fmp-connection.ts');
  const writer = await openEtlWriter(context, {
    command: 'mqs etl realtime',
    lockWaitMs: command.lockWaitMs,
  });
  let fmp: Awaited<ReturnType<typeof openFmpConnection>>;
  try {
    fmp = await openFmpConnection(context, { concurrency: args.concurrency });
  } catch (error) {
    writer.close();
    throw error;
  }
  const abort = new AbortController();
  const stop = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const loadId = await writer.beginLoad('etl realtime', { symbols: symbols.length }, fmp.source.id);
    const poll = makeRealtimePoll({ client: fmp.client, writer, loadId, clock, log });
    const result = await runRealtime({
      symbols,
      clock,
      log,
      limitPerMin: fmp.limitPerMin,
      pollOnce: poll.pollOnce,
      signal: abort.signal,
    });
    await writer.publish();
    const failures = poll.failures();
    await writer.finishLoad(loadId, {
      status: failures > 0 ? 'partial' : 'ok',
      polls: result.polls,
      rows: result.rows,
      failures,
    });
    // why: with --json, stdout holds only the JSON summary; the log and progress stay on stderr.
    process.stdout.write(
      args.json
        ? `${JSON.stringify({ polls: result.polls, rows: result.rows, failures, source: fmp.source.id, synthetic: fmp.source.simulated })}\n`
        : `realtime: ${result.polls} polls, ${result.rows} bar rows merged, ${failures} failed symbol polls\n` +
            (fmp.source.simulated
              ? `SYNTHETIC DATA: loaded from ${describeSource(fmp.source.id)}, not from FMP\n`
              : `source: ${describeSource(fmp.source.id)}\n`),
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await fmp.close();
    writer.close();
  }
}
