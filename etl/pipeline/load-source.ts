/**
 * Provenance: where a load's data comes from, recorded with every load (`loads.source` in etl.duckdb), and the
 * rule that a warehouse holds one source's data. Synthetic bars from the built-in simulator must never sit
 * beside market data: their prices look real and the marts cannot tell them apart.
 */
import { ConfigError } from '../core/errors.ts';

/** The built-in simulator's data seed: the ETL starts it with this one, and the ledger records it. */
export const BUILT_IN_SIMULATOR_SEED = 1;

export interface LoadSource {
  /** What the loads ledger stores: the FMP origin ('https://financialmodelingprep.com', never the key or a
   * path) or 'simulator seed=<n>' for the built-in simulator. */
  id: string;
  /** True for the built-in simulator: synthetic data. */
  simulated: boolean;
}

/** The source of a run with these settings: the FMP origin of FMP_BASE_URL, or the built-in simulator. */
export function loadSourceOf(config: { fmpBaseUrl?: string | undefined }): LoadSource {
  if (config.fmpBaseUrl === undefined) {
    return { id: `simulator seed=${BUILT_IN_SIMULATOR_SEED}`, simulated: true };
  }
  return { id: new URL(config.fmpBaseUrl).origin, simulated: false };
}

/** Words for a person: 'the built-in FMP simulator (synthetic data, seed 1)' or 'FMP at <origin>'. */
export function describeSource(id: string | null): string {
  if (id === null) return 'an unrecorded source (loaded before sources were recorded)';
  const simulator = /^simulator seed=(\d+)$/.exec(id);
  if (simulator) return `the built-in FMP simulator (synthetic data, seed ${simulator[1]})`;
  return `FMP at ${id}`;
}

/** The command that empties a warehouse's market data (scripts/commands/warehouse.ts). */
export const RESET_COMMAND = 'mqs warehouse reset --yes';

/**
 * Refuses (ConfigError, exit 2) a run whose source differs from the source of the data the warehouse holds,
 * before anything is written. Loads from before sources were recorded (NULL) do not count: nothing is known of
 * them; the run then records its own source and the rule holds from there on.
 */
export async function assertSameSource(
  writer: { storedSources(): Promise<Array<string | null>> },
  source: LoadSource,
  warehouseDir: string,
): Promise<void> {
  const other = (await writer.storedSources()).filter((s): s is string => s !== null && s !== source.id);
  if (other.length === 0) return;
  throw new ConfigError(
    `the warehouse ${warehouseDir} holds data loaded from ${other.map(describeSource).join(' and ')}; ` +
      `this run would load from ${describeSource(source.id)}` +
      (source.simulated
        ? ' (neither FMP_API_KEY nor FMP_BASE_URL is set: is .env in the working folder?)'
        : '') +
      '. Nothing was written. ' +
      'A warehouse holds one source: set WAREHOUSE_DIR to another folder for this source, ' +
      `or empty this one first with \`${RESET_COMMAND}\` (deletes its bars, daily bars, splits and dividends).`,
  );
}

/**
 * The scheduled units (`mqs schedule`, the cron line, the systemd unit) load market data unattended: without an
 * FMP key and base URL they refuse to start (ConfigError, exit 2) instead of falling back to the simulator, so a
 * job whose `.env` went missing cannot fill a warehouse with synthetic bars night after night.
 */
export function requireFmpSettings(
  config: { fmpApiKey?: string | undefined; fmpBaseUrl?: string | undefined },
  command: string,
): void {
  const missing = [
    config.fmpApiKey === undefined ? 'FMP_API_KEY' : undefined,
    config.fmpBaseUrl === undefined ? 'FMP_BASE_URL' : undefined,
  ].filter((name): name is string => name !== undefined);
  if (missing.length === 0) return;
  throw new ConfigError(
    `${command} loads market data unattended and needs FMP_API_KEY and FMP_BASE_URL; ${missing.join(' and ')} ` +
      `${missing.length === 1 ? 'is' : 'are'} not set (environment, or .env in the working folder ${process.cwd()}). ` +
      'It does not fall back to the built-in simulator; for synthetic data run mqs etl by hand.',
  );
}
