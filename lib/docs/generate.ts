// `npm run docs`: rewrites the marked flag tables in docs/*.md (and README.md, if it has any) from the
// commands' specs.
// Idempotent: a page whose tables are current is not touched. Exit 1 with one line per problem.
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocsError, findTables, rewritePage, uncoveredFlags } from './flag-tables.ts';
import { COMMAND_SPECS, FLAG_TABLE_PAGES } from './pages.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface PageUpdate {
  page: string;
  before: string;
  after: string;
}

/** Every docs page with its tables regenerated in memory; throws a DocsError for a broken page. */
export function regenerateDocs(root = ROOT): PageUpdate[] {
  const pages = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((file) => file.endsWith('.md'))
      .sort()
      .map((file) => `docs/${file}`),
  ].filter((page) => existsSync(join(root, page)));
  for (const page of Object.keys(FLAG_TABLE_PAGES)) {
    if (!pages.includes(page)) throw new DocsError(`${page}: missing; it holds the flag tables of ${FLAG_TABLE_PAGES[page].join(', ')}`);
  }
  return pages.map((page) => {
    const before = readFileSync(join(root, page), 'utf8');
    const expected = FLAG_TABLE_PAGES[page] ?? [];
    const after = rewritePage(page, before, COMMAND_SPECS, expected);
    const tables = findTables(page, after);
    for (const command of expected) {
      const missing = uncoveredFlags(tables, command, COMMAND_SPECS[command]);
      if (missing.length) throw new DocsError(`${page}: flags of '${command}' in no table: ${missing.join(', ')} (widen an only=/except= filter)`);
    }
    return { page, before, after };
  });
}

function main(): number {
  let updates: PageUpdate[];
  try {
    updates = regenerateDocs();
  } catch (error) {
    if (!(error instanceof DocsError)) throw error;
    process.stderr.write(`npm run docs: ${error.message}\n`);
    return 1;
  }
  for (const { page, before, after } of updates) {
    if (before === after) continue;
    const file = join(ROOT, page);
    writeFileSync(`${file}.tmp`, after);
    renameSync(`${file}.tmp`, file);
    process.stdout.write(`updated ${page}\n`);
  }
  if (updates.every((u) => u.before === u.after)) process.stdout.write('docs: flag tables are current\n');
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
