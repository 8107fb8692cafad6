// The README and docs/ are a contract: every llmux-bench command line they show uses only flags
// its command has, every flag they name exists somewhere, every npm script and bench/ script exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptedFlags, commandLines, flagsIn, proseFlags } from './command-lines.ts';
import { ROOT } from './generate.ts';
import { COMMAND_SPECS } from './pages.ts';

const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];
const read = (page: string) => readFileSync(join(ROOT, page), 'utf8');
const COMMANDS = Object.keys(COMMAND_SPECS);
const ACCEPTED = Object.fromEntries(Object.entries(COMMAND_SPECS).map(([name, spec]) => [name, acceptedFlags(spec)]));

// Flags of other programs that the pages name in prose, by program.
const FOREIGN: Record<string, string[]> = {
  node: ['--import', '--cpu-prof', '--cpu-prof-interval'],
  tsc: ['--noEmit'],
  'build.mjs': ['--watch', '--outdir'],
  'bench/ scripts': ['--server', '--streams', '--rounds', '--bare', '--gzip', '--routes', '--skip-memory', '--seconds', '--script', '--vus', '--other', '--bench', '--threads', '--distinct', '--duration', '--baseline', '--together', '--compare-threads'],
  k6: ['--token', '--stack', '--config', '--local-execution', '--summary-mode'],
  kubectl: ['--from-literal'],
  xk6: ['--with'],
};

describe('command lines in README.md and docs/', () => {
  it('finds the command lines of the pages', () => {
    const counts = Object.fromEntries(PAGES.map((page) => [page, commandLines(read(page), COMMANDS).length]));
    expect(counts['README.md']).toBeGreaterThan(10);
    expect(counts['docs/runner.md']).toBeGreaterThan(5);
    expect(counts['docs/k6-and-cloud.md']).toBeGreaterThan(15);
    expect(read('docs/k6-and-cloud.md')).toContain('`runner/engines/engine-select.test.ts`');
    const used = new Set(PAGES.flatMap((page) => commandLines(read(page), COMMANDS).map((c) => c.command)));
    expect([...used].sort()).toEqual([...COMMANDS].sort());
  });

  it.each(PAGES)('%s: every llmux-bench command line uses only flags of its command', (page) => {
    const wrong = commandLines(read(page), COMMANDS).flatMap((c) => [
      ...c.flags.filter((flag) => !ACCEPTED[c.command].has(flag)).map((flag) => `line ${c.line}: ${c.command} has no ${flag}: ${c.text.trim()}`),
      ...c.compareFlags.filter((flag) => !ACCEPTED.compare.has(flag)).map((flag) => `line ${c.line}: compare (after --compare) has no ${flag}`),
    ]);
    expect(wrong).toEqual([]);
  });

  it.each(PAGES)('%s: every flag named in prose belongs to a command (or to k6, node, ...)', (page) => {
    const known = new Set([...Object.values(ACCEPTED).flatMap((set) => [...set]), ...Object.values(FOREIGN).flat()]);
    expect(proseFlags(read(page)).filter(({ flag }) => !known.has(flag))).toEqual([]);
  });

  it.each(PAGES)('%s: every file of the repository it names exists', (page) => {
    const paths = [...read(page).matchAll(/(?<![\w/.-])((?:bench|bin|contract|docs|engine|k6|lib|mock|reporter|runner|test|\.ci)\/(?:[\w.-]+\/)*(?:[\w.-]+\.(?:[cm]?[jt]s|json|md|ya?ml)\b|(?=[\s`)])))/g)].map((m) => m[1]);
    expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  it.each(PAGES)('%s: every npm script and bench/ script it names exists', (page) => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    const text = read(page);
    const missing = [
      ...[...text.matchAll(/npm run(?: -s)? ([a-z][\w:-]*)/g)].map((m) => m[1]).filter((name) => !(name in scripts)).map((name) => `npm run ${name}`),
      ...[...text.matchAll(/node (?:--import tsx )?((?:bench|lib|runner|reporter|bin)\/[\w/.-]+\.m?[jt]s)/g)].map((m) => m[1]).filter((file) => !existsSync(join(ROOT, file))),
    ];
    expect(missing).toEqual([]);
  });
});

describe('commandLines', () => {
  const page = [
    'Run `npm run bench -- --target http://x --bogus` or `npx llmux-bench mock --port 0`.',
    '```sh',
    'npm run bench -- --target http://127.0.0.1:8081 --name nginx \\',
    "  --target-cmd 'exec nginx -g \"daemon off;\" --not-ours' --mock-arg=\"--error-rate 0.1\"   # a comment --nope",
    'npm run bench -- --compare a.json b.json --format md --fail-on "p99:+10%"',
    'npm run engine -- run -e TARGET=http://x --vus 10 dist/basic.js && npm run compare -- a.json --strict',
    'k6 run --vus 10 dist/basic.js',
    '```',
  ].join('\n');

  it('joins continued lines, leaves out quoted values and comments, splits bench --compare', () => {
    expect(commandLines(page, COMMANDS).map(({ line, command, flags, compareFlags }) => ({ line, command, flags, compareFlags }))).toEqual([
      { line: 1, command: 'bench', flags: ['--target', '--bogus'], compareFlags: [] },
      { line: 1, command: 'mock', flags: ['--port'], compareFlags: [] },
      { line: 3, command: 'bench', flags: ['--target', '--name', '--target-cmd', '--mock-arg'], compareFlags: [] },
      { line: 5, command: 'bench', flags: ['--compare'], compareFlags: ['--format', '--fail-on'] },
      { line: 6, command: 'engine', flags: ['-e', '--vus'], compareFlags: [] },
      { line: 6, command: 'compare', flags: ['--strict'], compareFlags: [] },
    ]);
  });

  it('reads placeholders like --mock-<flag> as no flag', () => {
    expect(flagsIn('every flag as `--mock-<flag>`, and --quiet')).toEqual(['--quiet']);
  });

  it('lists flags of prose code spans, not of code blocks', () => {
    expect(proseFlags(page)).toEqual([
      { line: 1, flag: '--target' },
      { line: 1, flag: '--bogus' },
      { line: 1, flag: '--port' },
    ]);
  });
});
