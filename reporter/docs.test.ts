// docs/reporter.md is a contract: it names every flag of report and compare, and its sample output is real.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { kebab } from '../lib/cli.ts';
import { compareSpec, main as compare } from './compare-cli.ts';
import { reportSpec } from './report-cli.ts';

const section = readFileSync(new URL('../docs/reporter.md', import.meta.url), 'utf8');

describe('docs/reporter.md', () => {
  it('documents only flags that exist', () => {
    const known = new Set(['--help', ...[reportSpec, compareSpec].flatMap((spec) => Object.keys(spec.flags).map((k) => `--${kebab(k)}`))]);
    const mentioned = new Set(section.match(/(?<![\w-])--[a-z][a-z-]+/g) ?? []);
    // Flags of k6, node, the benchmark script and `bench` that the section talks about.
    for (const other of ['--summary-export', '--out', '--execution-segment', '--execution-segment-sequence', '--import', '--gzip', '--compare', '--warmup']) {
      mentioned.delete(other);
    }
    expect([...mentioned].filter((flag) => !known.has(flag))).toEqual([]);
    for (const flag of known) if (flag !== '--help' && flag !== '--quiet') expect(section, flag).toContain(flag);
  });

  it('shows the real plateau table of the concurrency fixture', async () => {
    const block = /from\n`npm run -s compare -- (\S+)`:\n\n```\n([\s\S]*?)```/.exec(section);
    expect(block).not.toBeNull();
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    try {
      expect(await compare([block![1]])).toBe(0);
    } finally {
      write.mockRestore();
    }
    const lines = block![2].split('\n').filter(Boolean);
    expect(lines).toHaveLength(7);
    for (const line of lines) expect(out.split('\n')).toContain(line);
  });

  it('shows real compare output', async () => {
    const block = /```text\n\$ npm run -s compare -- (.+)\n([\s\S]*?)```/.exec(section);
    expect(block).not.toBeNull();
    const argv = block![1].split(' ');
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    try {
      expect(await compare(argv)).toBe(0);
    } finally {
      write.mockRestore();
    }
    const lines = block![2].split('\n').filter((line) => line && line !== '...');
    for (const line of lines) expect(out.split('\n')).toContain(line);
  });
});
