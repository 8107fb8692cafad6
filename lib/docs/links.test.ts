import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './generate.ts';
import { anchorsOf, checkLinks, linksOf } from './links.ts';

const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];

describe('relative links in README.md and docs/', () => {
  it('covers the README and every docs page', () => {
    expect(PAGES).toEqual(expect.arrayContaining(['README.md', 'docs/runner.md', 'docs/benchmarks.md', 'docs/gateways.md']));
  });

  it.each(PAGES)('%s: every relative link names a file that exists, and a heading that exists', (page) => {
    expect(checkLinks(ROOT, page)).toEqual([]);
  });

  it('the README links to every docs page', () => {
    const links = new Set(linksOf(readFileSync(join(ROOT, 'README.md'), 'utf8')));
    for (const page of PAGES.filter((p) => p.startsWith('docs/'))) expect(links, page).toContain(page);
  });
});

describe('checkLinks', () => {
  const root = mkdtempSync(join(tmpdir(), 'docs-links-'));
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'data.json'), '{}');
  writeFileSync(
    join(root, 'docs/a.md'),
    [
      '# Page A',
      '## Flags (`--target-cmd`)',
      '## Flags (`--target-cmd`)',
      'See [b](b.md#is-it-the-proxy-or-the-rig), [data](../data.json), [self](#flags---target-cmd-1),',
      '[web](https://example.com/x), [gone](missing.md), [bad anchor](b.md#nope), [json anchor](../data.json#x).',
      '`[not a link](nowhere.md)`',
      '```',
      '[not a link either](nowhere.md)',
      '```',
    ].join('\n'),
  );
  writeFileSync(join(root, 'docs/b.md'), '# B\n\n### Is it the proxy or the rig?\n');

  it('finds GitHub anchors, repeated headings included', () => {
    expect([...anchorsOf('# A\n## Flags (`--target-cmd`)\n## Flags (`--target-cmd`)\n## k6\'s *summary*')]).toEqual(['a', 'flags---target-cmd', 'flags---target-cmd-1', 'k6s-summary']);
  });

  it('reports missing files, missing headings and anchors into non-markdown files; ignores code and web links', () => {
    expect(checkLinks(root, 'docs/a.md')).toEqual([
      { page: 'docs/a.md', link: 'missing.md', problem: 'docs/missing.md does not exist' },
      { page: 'docs/a.md', link: 'b.md#nope', problem: 'docs/b.md has no heading #nope' },
      { page: 'docs/a.md', link: '../data.json#x', problem: '#x points into data.json, which is not a markdown page' },
    ]);
  });
});
