// docs/scenarios.md is a contract: its variables table lists exactly the variables the scenarios
// read (k6/lib/config.ts), with the defaults the code has.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './lib/config.ts';

const page = readFileSync(new URL('../docs/scenarios.md', import.meta.url), 'utf8');
const config = readFileSync(new URL('./lib/config.ts', import.meta.url), 'utf8');

const table = /## Variables[\s\S]*?\n(\| variable \|[\s\S]*?)\n\n/.exec(page)![1];
const rows = new Map(
  [...table.matchAll(/^\| `([A-Z_]+)` \| ([^|]*) \|/gm)].map(([, name, dflt]) => [name, dflt.trim()] as const),
);

describe('docs/scenarios.md variables', () => {
  it('lists every variable the scenarios read, and no other', () => {
    const read = new Set([...config.matchAll(/\(env, '([A-Z_]+)'|\benv\.([A-Z_]+)\b/g)].map((m) => m[1] ?? m[2]));
    expect(read.size).toBeGreaterThan(20);
    expect([...rows.keys()].sort()).toEqual([...read].sort());
  });

  it('gives the defaults the code has', () => {
    const plain = Object.entries(DEFAULTS).filter(([key]) => rows.has(key));
    expect(plain.length).toBeGreaterThan(10);
    for (const [key, value] of plain) expect(rows.get(key), key).toMatch(new RegExp(`^\`${String(value).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\``));
  });
});
