// Cold native side of the query bench (scripts/bench/query.ts): a fresh `node` process (no tsx, no CLI) opens the
// native DuckDB file read-only, runs one query and prints its rows as JSON, as `mqs sql --json` does.
// Usage: node scripts/bench/_query-native-process.mjs <native.duckdb> "<sql>"
import { DuckDBInstance } from '@duckdb/node-api';

const [file, sql] = process.argv.slice(2);
const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
const connection = await instance.connect();
await connection.run("set TimeZone = 'UTC'");
const result = await connection.runAndReadAll(sql);
process.stdout.write(`${JSON.stringify(result.getRowObjectsJson())}\n`);
connection.closeSync();
instance.closeSync();
