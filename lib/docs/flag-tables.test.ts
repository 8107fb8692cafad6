import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../cli.ts';
import { subcommands } from '../commands.ts';
import { DocsError, escapeMarkdown, findTables, renderFlagTable, rewritePage, selectFlags } from './flag-tables.ts';
import { regenerateDocs, ROOT } from './generate.ts';
import { COMMAND_SPECS, FLAG_TABLE_PAGES } from './pages.ts';

const demo: CommandSpec = {
  name: 'demo',
  summary: 'a demo',
  flags: {
    target: { type: 'string', value: 'URL', description: 'where to send it' },
    maxVus: { type: 'string', value: 'N', default: '10', env: 'DEMO_MAX_VUS', description: 'at most <n> VUs | or fewer' },
    env: { type: 'string', short: 'e', multiple: true, value: 'KEY=VALUE', description: 'add to __ENV' },
    baseline: { type: 'boolean', default: true, description: 'run the baseline' },
    quiet: { type: 'boolean', short: 'q', description: 'say less' },
    mockLatency: { type: 'string', value: 'DUR', description: 'mock: time to *first* token' },
  },
};

describe('renderFlagTable', () => {
  it('renders one row per flag with names, env, default and meaning', () => {
    expect(renderFlagTable(demo)).toBe(
      [
        '| flag | env | default | meaning |',
        '|---|---|---|---|',
        '| `--target URL` | | | where to send it |',
        '| `--max-vus N` | `DEMO_MAX_VUS` | `10` | at most \\<n\\> VUs \\| or fewer |',
        '| `-e, --env KEY=VALUE` | | | add to \\_\\_ENV (repeatable) |',
        '| `--baseline`, `--no-baseline` | | on | run the baseline |',
        '| `-q, --quiet` | | off | say less |',
        '| `--mock-latency DUR` | | | mock: time to \\*first\\* token |',
      ].join('\n'),
    );
  });

  it('leaves the env column out when no flag has one', () => {
    expect(renderFlagTable(demo, { only: ['mock-*'] })).toBe(
      ['| flag | default | meaning |', '|---|---|---|', '| `--mock-latency DUR` | | mock: time to \\*first\\* token |'].join('\n'),
    );
  });

  it('filters with only= and except= globs', () => {
    expect(selectFlags(demo, { except: ['mock-*', 'quiet'] })).toEqual(['target', 'maxVus', 'env', 'baseline']);
    expect(selectFlags(demo, { only: ['--max-*', 'env'] })).toEqual(['maxVus', 'env']);
  });

  it('escapes markdown so the text renders as written, and leaves snake_case alone', () => {
    expect(escapeMarkdown('max_tokens of <output>/<name>_x.json, a|b, `c`, [d]')).toBe('max_tokens of \\<output\\>/\\<name\\>\\_x.json, a\\|b, \\`c\\`, \\[d\\]');
  });
});

describe('rewritePage', () => {
  const page = ['# Demo', '', '<!-- flags:demo:start except=mock-* -->', 'old', '<!-- flags:demo:end -->', '', 'Mock:', '<!-- flags:demo:start only=mock-* -->', '<!-- flags:demo:end -->', 'tail'].join('\n');

  it('fills every marked table and keeps the text around them', () => {
    const out = rewritePage('docs/demo.md', page, { demo }, ['demo']);
    expect(out).toBe(
      [
        '# Demo',
        '',
        '<!-- flags:demo:start except=mock-* -->',
        renderFlagTable(demo, { except: ['mock-*'] }),
        '<!-- flags:demo:end -->',
        '',
        'Mock:',
        '<!-- flags:demo:start only=mock-* -->',
        renderFlagTable(demo, { only: ['mock-*'] }),
        '<!-- flags:demo:end -->',
        'tail',
      ].join('\n'),
    );
  });

  it('is idempotent', () => {
    const once = rewritePage('docs/demo.md', page, { demo }, ['demo']);
    expect(rewritePage('docs/demo.md', once, { demo }, ['demo'])).toBe(once);
  });

  it('names the page and the command when a table is missing', () => {
    expect(() => rewritePage('docs/demo.md', '# Demo\n', { demo }, ['demo'])).toThrow(
      new DocsError("docs/demo.md: no <!-- flags:demo:start --> … <!-- flags:demo:end --> pair: the flags of 'llmux-bench demo' belong there"),
    );
  });

  it('refuses unpaired, crossed, malformed and unknown markers, naming the page', () => {
    const cases: [string, string][] = [
      ['<!-- flags:demo:start -->\n', 'docs/demo.md: <!-- flags:demo:start --> has no <!-- flags:demo:end --> after it'],
      ['<!-- flags:demo:end -->\n', 'docs/demo.md: <!-- flags:demo:end --> has no <!-- flags:demo:start --> before it'],
      ['<!-- flags:demo:start -->\n<!-- flags:demo:start -->\n<!-- flags:demo:end -->', 'docs/demo.md: <!-- flags:demo:start --> has no <!-- flags:demo:end --> before the next table'],
      ['<!-- flags:demo:start -->\n<!-- flags:other:end -->', 'docs/demo.md: <!-- flags:demo:start --> is closed by <!-- flags:other:end -->'],
      ['<!-- flags:demo:begin -->', 'docs/demo.md: malformed marker <!-- flags:demo:begin -->'],
      ['<!-- flags:demo:start sort=name -->\n<!-- flags:demo:end -->', 'docs/demo.md: malformed marker <!-- flags:demo:start sort=name -->'],
      ['<!-- flags:nope:start -->\n<!-- flags:nope:end -->', 'docs/demo.md: <!-- flags:nope:start --> names no command (known: demo)'],
      ['<!-- flags:demo:start only=zzz -->\n<!-- flags:demo:end -->', "docs/demo.md: <!-- flags:demo:start only=zzz --> selects no flag of 'llmux-bench demo'"],
    ];
    for (const [text, message] of cases) {
      expect(() => rewritePage('docs/demo.md', text, { demo }), text).toThrow(DocsError);
      expect(() => rewritePage('docs/demo.md', text, { demo }), text).toThrow(message);
    }
  });

  it('finds the tables in order', () => {
    expect(findTables('p', page).map((t) => [t.command, t.filter])).toEqual([
      ['demo', { except: ['mock-*'] }],
      ['demo', { only: ['mock-*'] }],
    ]);
  });
});

describe('the docs pages', () => {
  it('have a flag table for every llmux-bench command, rendered from its spec', () => {
    const hint = 'a command of lib/commands.ts needs its spec in COMMAND_SPECS and its page in FLAG_TABLE_PAGES (lib/docs/pages.ts)';
    expect(Object.keys(COMMAND_SPECS).sort(), hint).toEqual(Object.keys(subcommands).sort());
    for (const [command, spec] of Object.entries(COMMAND_SPECS)) expect(spec.name.split(' ')[0], command).toBe(command);
    expect(Object.values(FLAG_TABLE_PAGES).flat().sort(), hint).toEqual(Object.keys(COMMAND_SPECS).sort());
  });

  it('hold current flag tables (run `npm run docs` after changing a flag)', () => {
    for (const { page, before, after } of regenerateDocs()) {
      if (before === after) continue;
      const old = findTables(page, before);
      const stale = findTables(page, after)
        .filter((table, i) => after.slice(table.bodyStart, table.bodyEnd) !== before.slice(old[i].bodyStart, old[i].bodyEnd))
        .map((table) => table.marker);
      expect.fail(`${page}: stale flag table ${stale.join(', ')}: run \`npm run docs\` and commit the result`);
    }
  });

  it('reports a page without its table by page and command', () => {
    const root = mkdtempSync(join(tmpdir(), 'docs-gen-'));
    mkdirSync(join(root, 'docs'));
    for (const page of Object.keys(FLAG_TABLE_PAGES)) writeFileSync(join(root, page), readFileSync(join(ROOT, page), 'utf8'));
    const runner = readFileSync(join(ROOT, 'docs/runner.md'), 'utf8');
    writeFileSync(join(root, 'docs/runner.md'), runner.replace(/<!-- flags:bench:start only=mock-\* -->[\s\S]*?<!-- flags:bench:end -->/, ''));
    expect(() => regenerateDocs(root)).toThrow("docs/runner.md: flags of 'bench' in no table: --mock-port");
    writeFileSync(join(root, 'docs/runner.md'), '# Runner\n');
    expect(() => regenerateDocs(root)).toThrow('docs/runner.md: no <!-- flags:bench:start --> … <!-- flags:bench:end --> pair');
  });
});
