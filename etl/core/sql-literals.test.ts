import { DuckDBInstance, listValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlIdentifier, sqlString, sqlStringList } from './sql-literals.ts';

const tricky = 'O\'Brien\'s "fund"; drop table x; --';
let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
});
afterAll(() => instance.closeSync());

describe('SQL literals and bound values', () => {
  it('round-trips a value with quote characters through the literal helpers', async () => {
    const connection = await instance.connect();
    const row = (
      await connection.runAndReadAll(
        `select ${sqlString(tricky)} as one, ${sqlStringList([tricky, 'b'])} as list, 7 as ${sqlIdentifier(tricky)}`,
      )
    ).getRowsJS()[0]!;
    expect(row).toEqual([tricky, [tricky, 'b'], 7]);
    connection.closeSync();
  });

  it('round-trips the same value bound as a parameter, alone and in a list', async () => {
    const connection = await instance.connect();
    await connection.run('create table t (s varchar)');
    await connection.run('insert into t values ($1)', [tricky]);
    const row = (
      await connection.runAndReadAll('select s, list_contains($list, s) from t where s = $s', {
        s: tricky,
        list: listValue([tricky]),
      })
    ).getRowsJS()[0]!;
    expect(row).toEqual([tricky, true]);
    connection.closeSync();
  });
});
