// The README's bench and k6 sections are a contract: every flag they show exists, and the bench
// flags table's defaults are the command's defaults.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kebab } from '../lib/cli.ts';
import type { CommandSpec } from '../lib/cli.ts';
import { benchCommand } from './cli.ts';
import { cloudSpec } from './cloud/cli.ts';
import { paritySpec } from './parity/cli.ts';

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

const flagsOf = (spec: Pick<CommandSpec, 'flags'>): Set<string> => {
  const names = new Set(['--help']);
  for (const [key, flag] of Object.entries(spec.flags)) {
    names.add(`--${kebab(key)}`);
    if (flag.type === 'boolean') names.add(`--no-${kebab(key)}`);
    if (flag.short) names.add(`-${flag.short}`);
  }
  return names;
};
// Flags of other tools the k6 section names: k6's own (k6 cloud login, --config, --local-execution, -e
// on k6 command lines), kubectl's and k6-operator arguments shown as values.
const FOREIGN = new Set(['--token', '--stack', '--config', '--local-execution', '--from-literal', '--tag', '--out']);

describe('README k6 section', () => {
  const k6 = readme.slice(readme.indexOf('<!-- section:k6 -->'), readme.indexOf('<!-- /section:k6 -->'));
  const specs = { cloud: flagsOf(cloudSpec), parity: flagsOf(paritySpec), bench: flagsOf(benchCommand) };
  const flagsIn = (text: string) => text.replace(/="[^"]*"|'[^']*'/g, '').match(/(?<![\w-])--[a-z][a-z-]*[a-z]/g) ?? [];

  it('is there', () => {
    expect(k6.length).toBeGreaterThan(1000);
  });

  it('npm run cloud / parity / bench lines use only their command\'s flags', () => {
    let checked = 0;
    for (const line of k6.split('\n')) {
      const command = /npm run (cloud|parity|bench)\b/.exec(line)?.[1] as keyof typeof specs | undefined;
      if (!command) continue;
      const flags = flagsIn(line.slice(line.indexOf('npm run')).replace(/\s+#.*$/, ''));
      checked += flags.length;
      expect(flags.filter((flag) => !specs[command].has(flag)), line).toEqual([]);
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('every flag named in the prose is a cloud, parity or bench flag, or one of k6\'s or kubectl\'s', () => {
    const prose = k6.split('\n').filter((line) => !/npm run |^\s*(k6|kubectl) /.test(line)).join('\n');
    const named = [...prose.matchAll(/`([^`]*)`/g)].flatMap(([, code]) => flagsIn(code));
    expect(named.length).toBeGreaterThan(15);
    const all = new Set([...specs.cloud, ...specs.parity, ...specs.bench, ...FOREIGN]);
    expect(named.filter((flag) => !all.has(flag))).toEqual([]);
  });

  it('the flags the cloud command takes "too" are cloud flags', () => {
    const sentence = /The other `bench` load flags are accepted too:([\s\S]*?)k6's exit code/.exec(k6)![1];
    const flags = flagsIn(sentence);
    expect(flags.length).toBeGreaterThan(8);
    expect(flags.filter((flag) => !specs.cloud.has(flag))).toEqual([]);
  });

  it('describes --max-vus as the total VU ceiling', () => {
    expect(cloudSpec.flags.maxVus.description).toMatch(/total VU ceiling/);
    expect(benchCommand.flags.maxVus.description).toMatch(/total VU ceiling/);
    expect(k6).toMatch(/`--max-vus`[^.]*total VU ceiling/);
  });
});
