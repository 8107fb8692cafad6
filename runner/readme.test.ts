// The README's bench section is a contract: every flag it shows exists, and the flags table's
// defaults are the command's defaults.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kebab } from '../lib/cli.ts';
import { benchCommand } from './cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
const section = readme.slice(readme.indexOf('<!-- section:bench -->'), readme.indexOf('<!-- /section:bench -->'));
const known = new Set([...Object.keys(benchCommand.flags).map((key) => `--${kebab(key)}`), '--help', '--no-baseline']);

describe('README bench section', () => {
  it('is there', () => {
    expect(section.length).toBeGreaterThan(1000);
  });

  it('shows only flags the command has', () => {
    const commands = section.split('\n').filter((line) => /npm run bench|^\s*--target-cmd|^\| `--/.test(line));
    const flags = commands.flatMap((line) => line.replace(/'[^']*'|"[^"]*"|--[a-z-]*<[^>]*>/g, '').match(/--[a-z][a-z-]*[a-z]/g) ?? []);
    expect(flags.length).toBeGreaterThan(30);
    expect(flags.filter((flag) => !known.has(flag))).toEqual([]);
  });

  it("gives the command's defaults in the flags table", () => {
    const rows = new Map(
      section
        .split('\n')
        .filter((line) => line.startsWith('| `--'))
        .map((line) => {
          const [flags, def] = line.split('|').slice(1, 3).map((cell) => cell.trim());
          return [/`(--[a-z-]+)/.exec(flags)![1], def] as const;
        }),
    );
    for (const [key, flag] of Object.entries(benchCommand.flags)) {
      if (typeof flag.default !== 'string') continue;
      expect(rows.get(`--${kebab(key)}`), `--${kebab(key)}`).toBe(flag.default);
    }
  });

  it('points at benchmark scripts that exist', () => {
    for (const [, script] of section.matchAll(/node --import tsx (bench\/[\w-]+\.ts)/g)) expect(existsSync(`${ROOT}/${script}`), script).toBe(true);
  });
});
