/**
 * The composition behind `mqs etl`: the FMP source (the configured API, or the built-in simulator when neither
 * FMP_API_KEY nor FMP_BASE_URL is set), the warehouse writer (holding the `etl` lock), the run (Ctrl-C stops it
 * after loading what was fetched), and what is printed. Commands throw; the CLI root prints errors and sets the
 * exit code.
 */

import type { AppContext } from '../../etl/core/app-context.ts';
import { ConfigError, WorkFailedError } from '../../etl/core/errors.ts';
import { type EtlArgs, resolveEtlOptions } from '../../etl/pipeline/etl-options.ts';
import { etlSourceOf, openFmpConnection } from '../../etl/pipeline/fmp-connection.ts';
import { openEtlWriter } from '../../etl/pipeline/run-etl.ts';

export interface EtlCommandOptions {
  /** How long to wait for another ETL holding the warehouse, ms. */
  lockWaitMs: number;
}

/** The run's live progress, on stderr: with --json, stdout holds only the JSON summary. */
export const STDERR_PROGRESS = {
  tty: Boolean(process.stderr.isTTY),
  write: (text: string) => process.stderr.write(text),
};

export async function runEtlCommand(
  args: EtlArgs,
  context: AppContext,
  command: EtlCommandOptions,
): Promise<void> {
  const { config, log, clock } = context;
  const options = resolveEtlOptions(args, clock.now());
  // why: the source check comes before the dry run too, and before the simulator starts.
  const writer = await openEtlWriter(context, { command: 'mqs etl', lockWaitMs: command.lockWaitMs });
  try {
    if (options.dryRun) {
      const { planRun } = await import('../../etl/pipeline/run-etl.ts');
      const { estimatePlan } = await import('../../etl/pipeline/dry-run.ts');
      const { formatEstimate } = await import('./etl-report.ts');
      const plan = await planRun(options, writer);
      const estimate = estimatePlan(plan, {
        rateLimitPerMin: config.rateLimitPerMin,
        concurrency: options.concurrency ?? config.concurrency,
        extended: options.extended,
      });
      process.stdout.write(options.json ? `${JSON.stringify(estimate)}\n` : formatEstimate(estimate));
      return;
    }
    const fmp = await openFmpConnection(context, { concurrency: options.concurrency });
    const abort = new AbortController();
    const stop = () =>
      abort.abort(new Error('interrupted (SIGINT/SIGTERM): stopped after loading what was fetched'));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let summary: Awaited<ReturnType<typeof import('../../etl/pipeline/run-etl.ts').runEtl>>;
    try {
      const { runEtl } = await import('../../etl/pipeline/run-etl.ts');
      summary = await runEtl(options, {
        ...etlSourceOf(fmp),
        writer,
        log,
        clock,
        progress: STDERR_PROGRESS,
        args: { ...args, symbols: options.symbols.length },
        signal: abort.signal,
      });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await fmp.close();
    }
    const { formatSummary } = await import('./etl-report.ts');
    process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
    if (summary.stopped_by !== undefined) {
      const auth = summary.stopped_kind === 'auth';
      const message = `the run stopped early: ${summary.stopped_by}`;
      throw auth ? new ConfigError(message) : new WorkFailedError(message);
    }
    if (summary.failed.length > 0) {
      throw new WorkFailedError(
        `${summary.failed.length} window(s) failed for good (listed above); run mqs etl again to retry them first`,
      );
    }
  } finally {
    writer.close();
  }
}
