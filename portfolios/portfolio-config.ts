import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { UsageError } from '../etl/core/errors.ts';
import { INTRADAY_INTERVALS } from '../etl/core/intervals.ts';
import { tryNormalizeSymbol } from '../etl/core/symbols.ts';

const fraction = (max: number) => z.number().min(0).max(max);

/** Risk limits checked on every order before it reaches a broker. Fractions, not percent. */
export const riskLimitsSchema = z
  .object({
    /** Largest |position value| of one name / equity. Default 0.25. */
    maxWeightPerName: fraction(10).default(0.25),
    /** Largest Σ|position value| / allocated capital. Default 1. */
    maxGrossExposure: fraction(20).default(1),
    /** Largest |Σ position value| / allocated capital. Default 1. */
    maxNetExposure: fraction(20).default(1),
    /** Largest Σ|position value| / current equity. Default 1 (no leverage). */
    maxLeverage: fraction(20).default(1),
    /** Buying power = cash + (multiple − 1) × equity; 1 is a cash account, 2 Reg-T margin. Default 1. */
    buyingPowerMultiple: z.number().min(1).max(10).default(1),
    /** Smallest cash / equity a buy may leave behind. Default 0. */
    minCashFraction: fraction(1).default(0),
    /** Whether sells may open or extend short positions. Default false. */
    allowShort: z.boolean().default(false),
  })
  .strict();
export type RiskLimits = z.infer<typeof riskLimitsSchema>;

/** Paper broker's fill and fee models. */
export const brokerSettingsSchema = z
  .object({
    /** Slippage against the next bar's open, basis points (buys pay more, sells get less). Default 5. */
    slippageBps: z.number().min(0).max(1000).default(5),
    commission: z
      .object({
        /** USD per share. Default 0.005. */
        perShare: z.number().min(0).default(0.005),
        /** Basis points of the traded notional. Default 0. */
        bps: z.number().min(0).default(0),
        /** Smallest commission of one fill, USD. Default 1. */
        minimum: z.number().min(0).default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type BrokerSettings = z.infer<typeof brokerSettingsSchema>;

const symbolSchema = z.string().refine(
  (s) => {
    const normalized = tryNormalizeSymbol(s);
    return 'symbol' in normalized && normalized.symbol === s;
  },
  { error: "must be a ticker in FMP's spelling, such as AAPL or BRK-B" },
);

/** `portfolios/<id>/config.json`. */
export const portfolioConfigSchema = z
  .object({
    name: z.string().min(1),
    /** Disabled portfolios are listed but not run. Default true. */
    enabled: z.boolean().default(true),
    strategy: z
      .object({ name: z.string().min(1), params: z.record(z.string(), z.unknown()).default({}) })
      .strict(),
    universe: z.array(symbolSchema).min(1),
    /** Bar interval of the `bars` mart the strategy reads. */
    interval: z.enum(INTRADAY_INTERVALS),
    /** Decide every N bar closes (1 = at every bar close). */
    schedule: z
      .object({ everyBars: z.number().int().min(1).default(1) })
      .strict()
      .prefault({}),
    /** Share of the manager's capital this portfolio trades, (0, 1]. */
    capitalShare: z.number().gt(0).max(1),
    /** Buy-and-hold benchmark symbol. Default SPY. */
    benchmark: symbolSchema.default('SPY'),
    broker: brokerSettingsSchema.prefault({}),
    risk: riskLimitsSchema.prefault({}),
  })
  .strict();
export type PortfolioConfig = z.infer<typeof portfolioConfigSchema>;

/** A portfolio folder: its id (the folder name), config and where its strategy module lives. */
export interface PortfolioDefinition {
  id: string;
  dir: string;
  configFile: string;
  strategyFile: string;
  config: PortfolioConfig;
}

/** Parses a config; errors name the file and the field: `portfolios/x/config.json: risk.maxLeverage: …`. */
export function parsePortfolioConfig(json: unknown, fileName: string): PortfolioConfig {
  const parsed = portfolioConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new UsageError(`${fileName}: ${field}: ${issue.message}`);
  }
  const cfg = parsed.data;
  const duplicate = cfg.universe.find((s, i) => cfg.universe.indexOf(s) !== i);
  if (duplicate) throw new UsageError(`${fileName}: universe: ${duplicate} is listed twice`);
  return cfg;
}

/** A path as the user should see it: relative to the working folder when inside it, else absolute. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

export const PORTFOLIO_ID = /^[a-z0-9][a-z0-9-]*$/;

/** Reads `<rootDir>/<id>/config.json`. */
export function loadPortfolio(rootDir: string, id: string): PortfolioDefinition {
  if (!PORTFOLIO_ID.test(id)) {
    throw new UsageError(`portfolio id ${JSON.stringify(id)}: use lower-case letters, digits and dashes`);
  }
  const dir = path.join(rootDir, id);
  const configFile = path.join(dir, 'config.json');
  const shown = displayPath(configFile);
  if (!fs.existsSync(configFile)) {
    const known = listPortfolioIds(rootDir);
    throw new UsageError(
      `${shown}: no such portfolio ${JSON.stringify(id)}; known: ${known.join(', ') || 'none'}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  } catch (error) {
    throw new UsageError(`${shown}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const config = parsePortfolioConfig(json, shown);
  const strategyFile = path.join(dir, 'strategy.ts');
  if (!fs.existsSync(strategyFile))
    throw new UsageError(`${shown}: strategy module ${strategyFile} is missing`);
  return { id, dir, configFile, strategyFile, config };
}

/** Folders under rootDir that hold a config.json, sorted. */
export function listPortfolioIds(rootDir: string): string[] {
  if (!fs.existsSync(rootDir)) return [];
  return fs
    .readdirSync(rootDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(rootDir, d.name, 'config.json')))
    .map((d) => d.name)
    .sort();
}
