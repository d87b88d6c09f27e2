import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ETL = import.meta.dirname;
const FILE_NAME = /^[\w./-]+\.(ts|json|txt)$/;

/** The rows of etl/README.md's map: each folder with the file names it lists. */
function mapRows(): Map<string, Set<string>> {
  const readme = fs.readFileSync(path.join(ETL, 'README.md'), 'utf8');
  const map = readme.slice(readme.indexOf('## Map'), readme.indexOf('\n## ', readme.indexOf('## Map') + 1));
  const rows = new Map<string, Set<string>>();
  for (const [, folder, cell] of map.matchAll(/^\| `(\w+)\/` \| (.*) \|$/gm)) {
    const names = [...cell!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((n) => FILE_NAME.test(n));
    rows.set(folder!, new Set(names));
  }
  return rows;
}

/** The modules and data files of a folder (with its subfolders), tests left out. */
function filesOf(folder: string): Set<string> {
  const dir = path.join(ETL, folder);
  return new Set(
    fs
      .readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => FILE_NAME.test(path.basename(f)) && !f.endsWith('.test.ts'))
      .map((f) => f.split(path.sep).join('/')),
  );
}

describe("etl/README.md's map", () => {
  it('has a row for every folder of etl/, and lists exactly the files each holds', () => {
    const rows = mapRows();
    const folders = fs
      .readdirSync(ETL, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect([...rows.keys()].sort()).toEqual(folders.sort());
    for (const [folder, listed] of rows)
      expect([folder, [...listed].sort()]).toEqual([folder, [...filesOf(folder)].sort()]);
  });
});
