import { UsageError } from '../etl/core/errors.ts';
import { importTypeScript } from '../etl/core/project-root.ts';
import { displayPath, type PortfolioDefinition } from './portfolio-config.ts';
import type { Strategy } from './strategy.ts';

/** A portfolio's strategy module with its validated parameters. */
export interface LoadedStrategy {
  strategy: Strategy<unknown>;
  params: unknown;
}

function isStrategy(value: unknown): value is Strategy<unknown> {
  const v = value as Partial<Strategy<unknown>> | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.create === 'function' &&
    typeof v.warmupBars === 'function' &&
    typeof v.params?.safeParse === 'function'
  );
}

/** Validates `strategy.params` of a config against a strategy's zod schema; errors name the file and field. */
export function validateStrategyParams(
  strategy: Strategy<unknown>,
  params: unknown,
  fileName: string,
): unknown {
  const parsed = strategy.params.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = ['strategy', 'params', ...issue.path.map(String)].join('.');
    throw new UsageError(`${fileName}: ${field}: ${issue.message}`);
  }
  return parsed.data;
}

/** Imports `portfolios/<id>/strategy.ts` (default export) and validates the config's parameters against it. */
export async function loadStrategy(definition: PortfolioDefinition): Promise<LoadedStrategy> {
  const shown = displayPath(definition.configFile);
  const mod = (await importTypeScript(definition.strategyFile)) as { default?: unknown };
  if (!isStrategy(mod.default)) {
    throw new UsageError(
      `${definition.strategyFile}: the default export must be a strategy (defineStrategy({...}))`,
    );
  }
  const strategy = mod.default;
  if (strategy.name !== definition.config.strategy.name) {
    throw new UsageError(
      `${shown}: strategy.name: ${JSON.stringify(definition.config.strategy.name)} does not match the module's ${JSON.stringify(strategy.name)}`,
    );
  }
  return { strategy, params: validateStrategyParams(strategy, definition.config.strategy.params, shown) };
}
