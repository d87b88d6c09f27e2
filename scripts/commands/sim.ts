import type { CommandModule } from 'yargs';
import { FMP_PLANS, type FmpPlan } from '../../etl/core/config.ts';
import { UsageError } from '../../etl/core/errors.ts';
import type { ContextArgs } from '../context.ts';

interface Args extends ContextArgs {
  port: number;
  host: string;
  'api-key': string;
  plan: string;
  seed: number;
  'rate-limit-per-min'?: number;
  'enforce-plan-limits'?: boolean;
  'latency-ms': number;
  'latency-jitter-ms': number;
  'server-error-share': number;
  'reset-share': number;
  'truncate-share': number;
  'malformed-share': number;
  'limit-reach-200-share': number;
  'bandwidth-exhausted'?: boolean;
  'bandwidth-limit-bytes'?: number;
  'burst-per-second'?: number;
  'legacy-key'?: boolean;
}

const SHARES = [
  'server-error-share',
  'reset-share',
  'truncate-share',
  'malformed-share',
  'limit-reach-200-share',
] as const;

const command: CommandModule<ContextArgs, Args> = {
  command: 'sim',
  describe: "serve the FMP-compatible simulator (FMP's /stable API on synthetic, seeded data) until Ctrl-C",
  builder: (y) =>
    y
      .option('port', { type: 'number', default: 8765, describe: 'port to listen on (0 picks a free one)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to listen on' })
      .option('api-key', {
        type: 'string',
        default: 'demo',
        describe: 'the one API key accepted (others get 401)',
      })
      .option('plan', {
        type: 'string',
        default: 'ultimate',
        describe: `plan gates: ${FMP_PLANS.join(', ')}`,
      })
      .option('seed', { type: 'number', default: 1, describe: 'data seed (same seed, same data)' })
      .option('rate-limit-per-min', {
        type: 'number',
        describe: 'calls per rolling minute before 429 Limit Reach',
      })
      .option('enforce-plan-limits', { type: 'boolean', describe: "enforce the plan's own call limits" })
      .option('latency-ms', {
        type: 'number',
        default: 0,
        describe: 'added latency per call, ms (real FMP: ~250–350)',
      })
      .option('latency-jitter-ms', {
        type: 'number',
        default: 0,
        describe: 'extra random latency up to this, ms',
      })
      .option('server-error-share', {
        type: 'number',
        default: 0,
        describe: 'share of calls answered 503 (0–1)',
      })
      .option('reset-share', { type: 'number', default: 0, describe: 'share of connections reset (0–1)' })
      .option('truncate-share', { type: 'number', default: 0, describe: 'share of bodies cut off (0–1)' })
      .option('malformed-share', {
        type: 'number',
        default: 0,
        describe: 'share of bodies with broken JSON (0–1)',
      })
      .option('limit-reach-200-share', {
        type: 'number',
        default: 0,
        describe: 'share of calls answered 200 with a Limit Reach error body (0–1)',
      })
      .option('bandwidth-exhausted', {
        type: 'boolean',
        describe: 'answer every call 429 Bandwidth Limit Reach',
      })
      .option('bandwidth-limit-bytes', {
        type: 'number',
        describe: 'bytes sent before Bandwidth Limit Reach',
      })
      .option('burst-per-second', { type: 'number', describe: 'calls per second before 503 answers' })
      .option('legacy-key', {
        type: 'boolean',
        describe: 'serve the v3 API (a pre-2025-09 key) instead of 403',
      }),
  handler: async (args) => {
    if (!(FMP_PLANS as readonly string[]).includes(args.plan)) {
      throw new UsageError(`--plan ${JSON.stringify(args.plan)}: use one of ${FMP_PLANS.join(', ')}`);
    }
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
      throw new UsageError(`--port ${args.port}: use a port number from 0 to 65535`);
    }
    if (!Number.isInteger(args.seed)) throw new UsageError(`--seed ${args.seed}: use a whole number`);
    for (const name of ['latency-ms', 'latency-jitter-ms'] as const) {
      if (!(args[name] >= 0))
        throw new UsageError(`--${name} ${args[name]}: use a number of milliseconds ≥ 0`);
    }
    for (const name of SHARES) {
      const share = args[name];
      if (!(share >= 0 && share <= 1)) throw new UsageError(`--${name} ${share}: use a share from 0 to 1`);
    }
    const { startSimulator } = await import('../../etl/sim/simulator.ts');
    const { log, clock } = args.context();
    const sim = await startSimulator({
      clock,
      host: args.host,
      port: args.port,
      apiKey: args['api-key'],
      plan: args.plan as FmpPlan,
      seed: args.seed,
      rateLimitPerMin: args['rate-limit-per-min'] ?? null,
      enforcePlanLimits: args['enforce-plan-limits'] ?? false,
      legacyKey: args['legacy-key'] ?? false,
      faults: {
        latencyMs: args['latency-ms'],
        latencyJitterMs: args['latency-jitter-ms'],
        serverErrorShare: args['server-error-share'],
        resetShare: args['reset-share'],
        truncateShare: args['truncate-share'],
        malformedShare: args['malformed-share'],
        limitReach200Share: args['limit-reach-200-share'],
        bandwidthExhausted: args['bandwidth-exhausted'] ?? false,
        bandwidthLimitBytes: args['bandwidth-limit-bytes'] ?? null,
        burstPerSecond: args['burst-per-second'] ?? null,
      },
    });
    process.stdout.write(`${sim.url}\n`);
    log.info(
      { url: sim.url, plan: args.plan, seed: args.seed, stats: `${sim.url}/__sim/stats` },
      'FMP simulator listening; Ctrl-C stops it',
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await sim.close();
    log.info({ stats: sim.stats() }, 'FMP simulator stopped');
  },
};

export default command;
