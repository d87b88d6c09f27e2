import type { CommandModule } from 'yargs';
import { WorkFailedError } from '../../etl/core/errors.ts';
import type { AppContext, ContextArgs } from '../context.ts';

interface Args extends ContextArgs {
  action: string;
  capital?: number;
  json?: boolean;
}

async function list(context: AppContext, json: boolean): Promise<void> {
  const { config } = context;
  const { authorize } = await import('../../etl/ops/authorize.ts');
  await authorize(context, 'viewer', 'portfolios list');
  const { listPortfolioIds, loadPortfolio } = await import('../../portfolios/portfolio-config.ts');
  const { PORTFOLIOS_DIR } = await import('../../portfolios/run-backtest.ts');
  const { openWarehouseReader } = await import('../../etl/publish/warehouse-reader.ts');
  const reader = await openWarehouseReader(config.warehouseDir);
  try {
    const state = new Map<string, { equity: number; cash: number; session: string; positions: number }>();
    const rows = (
      await reader.query(`
        select p.portfolio_id, p.equity, p.cash, strftime(p.session_date, '%Y-%m-%d') as session,
          (select count(*) from positions x where x.portfolio_id = p.portfolio_id)::integer as positions
        from pnl_daily p
        qualify row_number() over (partition by p.portfolio_id order by p.session_date desc) = 1`)
    ).getRowObjectsJS();
    for (const r of rows) {
      state.set(String(r.portfolio_id), {
        equity: Number(r.equity),
        cash: Number(r.cash),
        session: String(r.session),
        positions: Number(r.positions),
      });
    }
    const out = listPortfolioIds(PORTFOLIOS_DIR).map((id) => {
      try {
        const { config: c } = loadPortfolio(PORTFOLIOS_DIR, id);
        return {
          id,
          name: c.name,
          enabled: c.enabled,
          strategy: c.strategy.name,
          interval: c.interval,
          universe: c.universe,
          capitalShare: c.capitalShare,
          state: state.get(id) ?? null,
        };
      } catch (error) {
        return { id, error: (error as Error).message };
      }
    });
    if (json) {
      process.stdout.write(`${JSON.stringify(out)}\n`);
      return;
    }
    for (const p of out) {
      if ('error' in p) {
        process.stdout.write(`${p.id}  INVALID: ${p.error}\n`);
        continue;
      }
      const s = p.state
        ? `equity ${p.state.equity.toFixed(2)} USD, cash ${p.state.cash.toFixed(2)}, ${p.state.positions} positions (${p.state.session})`
        : 'not traded yet';
      process.stdout.write(
        `${p.id}  ${p.enabled ? 'enabled ' : 'disabled'}  ${p.strategy} ${p.interval} ${p.universe.length} names, share ${p.capitalShare}  ${s}\n    ${p.name}\n`,
      );
    }
  } finally {
    reader.close();
  }
}

const command: CommandModule<ContextArgs, Args> = {
  command: 'portfolios <action>',
  describe:
    'list the portfolios with their state, or run them all on the paper broker at the latest closed bar',
  builder: (y) =>
    y
      .positional('action', { choices: ['list', 'run'] as const, demandOption: true, describe: 'list | run' })
      .option('capital', {
        type: 'number',
        describe: 'manager capital in USD for new books (default 1000000)',
      })
      .option('json', { type: 'boolean', describe: 'print JSON' }),
  handler: async (args) => {
    const context = args.context();
    if (args.action === 'list') return list(context, args.json ?? false);
    const { config, log, clock } = context;
    const { runAuthorized } = await import('../../etl/ops/authorize.ts');
    const { runPortfolios } = await import('../../portfolios/portfolio-manager.ts');
    const { results } = await runAuthorized(
      context,
      'trader',
      'portfolios run',
      () => runPortfolios({ warehouseDir: config.warehouseDir, log, clock, capital: args.capital }),
      (r) => `${r.results.length} portfolios: ${r.results.map((p) => `${p.id} ${p.status}`).join(', ')}`,
    );
    if (args.json) process.stdout.write(`${JSON.stringify(results)}\n`);
    else {
      for (const r of results) {
        const equity = r.equity === undefined ? '' : `  equity ${r.equity.toFixed(2)} USD`;
        process.stdout.write(
          `${r.id}  ${r.status}${r.asOf ? ` at ${r.asOf}` : ''}  orders ${r.ordersSent}  fills ${r.fills}  refused ${r.refused.length}${equity}${r.message ? `  (${r.message})` : ''}\n`,
        );
        for (const x of r.refused.slice(0, 20)) process.stdout.write(`    refused ${x.reason}\n`);
        if (r.refused.length > 20)
          process.stdout.write(`    … and ${r.refused.length - 20} more (--json lists all)\n`);
      }
    }
    const failed = results.filter((r) => r.status === 'failed');
    if (failed.length > 0) {
      throw new WorkFailedError(
        `${failed.length} of ${results.length} portfolios failed: ${failed.map((f) => f.id).join(', ')}`,
      );
    }
  },
};

export default command;
