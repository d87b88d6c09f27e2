/**
 * SQL text for values DuckDB cannot take as bound parameters: the file lists of `read_parquet([...])` inside a
 * view (a view's definition is text), ATTACH paths, SET options, and fragments composed into a larger statement
 * (a COPY's query). Everything else binds its values (`connection.run(sql, values)`, prepared statements,
 * appenders). The quoting is DuckDB's own (@duckdb/node-api).
 */
import { quotedIdentifier, quotedString } from '@duckdb/node-api';

/** `'it''s'`: a string literal. */
export const sqlString: (text: string) => string = quotedString;

/** `"my ""db"""`: an identifier. */
export const sqlIdentifier: (name: string) => string = quotedIdentifier;

/** `['a', 'b']`: a list of string literals (file lists, `allowed_paths`). */
export function sqlStringList(items: readonly string[]): string {
  return `[${items.map(quotedString).join(', ')}]`;
}
