// Flag tables in docs/*.md, rendered from the same CommandSpec that prints `--help`, so the docs and
// the command cannot disagree. A table lives between two markers:
//
//   <!-- flags:bench:start -->            every flag of `llmux-bench bench`
//   <!-- flags:bench:start only=mock-* -->   only the flags matching these globs (comma-separated)
//   <!-- flags:bench:start except=mock-* --> every flag but these
//   ...generated table...
//   <!-- flags:bench:end -->
//
// Everything between the markers is replaced; everything outside them is left as written.
import { kebab, type CommandSpec, type FlagSpec } from '../cli.ts';

/** A problem with the markers of a page: the message names the page and the command. */
export class DocsError extends Error {
  override name = 'DocsError';
}

export interface TableFilter {
  only?: string[];
  except?: string[];
}

/** One marked table found in a page. */
export interface MarkedTable {
  command: string;
  filter: TableFilter;
  /** The start marker as written, for messages. */
  marker: string;
  /** Offsets of the text between the markers. */
  bodyStart: number;
  bodyEnd: number;
}

const START = /^<!--\s*flags:([a-z][a-z0-9-]*):start((?:\s+(?:only|except)=[^\s>]+)*)\s*-->$/;
const ANY_MARKER = /<!--\s*flags:([^:\s>]*):([a-z]*)[^>]*-->/g;

const globRegExp = (glob: string): RegExp =>
  new RegExp(`^${glob.replace(/^--/, '').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** Flag names (kebab case, without `--`) a filter keeps, in the spec's order. */
export function selectFlags(spec: Pick<CommandSpec, 'flags'>, filter: TableFilter): string[] {
  const only = filter.only?.map(globRegExp);
  const except = filter.except?.map(globRegExp) ?? [];
  return Object.keys(spec.flags).filter((key) => {
    const name = kebab(key);
    return (!only || only.some((re) => re.test(name))) && !except.some((re) => re.test(name));
  });
}

/** Backslash-escapes what markdown would read as markup in a description (the text renders unchanged). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*[\]<>|]/g, (c) => `\\${c}`)
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_');
}

/** A code span for a table cell: only `|` needs escaping there (GitHub's table rule). */
const code = (text: string): string => `\`${text.replace(/\|/g, '\\|')}\``;

function flagCell(key: string, flag: FlagSpec): string {
  const long = `--${kebab(key)}${flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : ''}`;
  const names = [flag.short ? code(`-${flag.short}, ${long}`) : code(long)];
  if (flag.type === 'boolean' && flag.default === true) names.push(code(`--no-${kebab(key)}`));
  return names.join(', ');
}

function defaultCell(flag: FlagSpec): string {
  if (flag.type === 'boolean') return flag.default === true ? 'on' : 'off';
  return typeof flag.default === 'string' && flag.default !== '' ? code(flag.default) : '';
}

/** The markdown table of a command's flags (those the filter keeps), without a trailing newline. */
export function renderFlagTable(spec: Pick<CommandSpec, 'flags'>, filter: TableFilter = {}): string {
  const keys = selectFlags(spec, filter);
  const withEnv = keys.some((key) => spec.flags[key].env);
  const head = withEnv ? ['flag', 'env', 'default', 'meaning'] : ['flag', 'default', 'meaning'];
  const rows = keys.map((key) => {
    const flag = spec.flags[key];
    const meaning = escapeMarkdown(flag.description.replace(/\s+/g, ' ').trim()) + (flag.multiple ? ' (repeatable)' : '');
    const cells = [flagCell(key, flag), ...(withEnv ? [flag.env ? code(flag.env) : ''] : []), defaultCell(flag), meaning];
    return `| ${cells.join(' | ')} |`.replace(/ {2,}\|/g, ' |');
  });
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows].join('\n');
}

function parseFilter(text: string): TableFilter {
  const filter: TableFilter = {};
  for (const [, kind, globs] of text.matchAll(/(only|except)=([^\s>]+)/g)) {
    filter[kind as keyof TableFilter] = globs.split(',').filter(Boolean);
  }
  return filter;
}

/** Every marked table of a page, in order. Throws a DocsError naming the page for unpaired or malformed markers. */
export function findTables(page: string, text: string): MarkedTable[] {
  const tables: MarkedTable[] = [];
  let open: Omit<MarkedTable, 'bodyEnd'> | null = null;
  for (const match of text.matchAll(ANY_MARKER)) {
    const [marker, command, edge] = match;
    if (edge === 'start') {
      const start = START.exec(marker);
      if (!start) throw new DocsError(`${page}: malformed marker ${marker} (expected <!-- flags:<command>:start --> with optional only=<globs> or except=<globs>)`);
      if (open) throw new DocsError(`${page}: ${open.marker} has no <!-- flags:${open.command}:end --> before the next table`);
      open = { command, filter: parseFilter(start[2]), marker, bodyStart: match.index + marker.length };
    } else if (edge === 'end') {
      if (!open) throw new DocsError(`${page}: ${marker} has no <!-- flags:${command}:start --> before it`);
      if (open.command !== command) throw new DocsError(`${page}: ${open.marker} is closed by ${marker}`);
      tables.push({ ...open, bodyEnd: match.index });
      open = null;
    } else {
      throw new DocsError(`${page}: malformed marker ${marker} (expected <!-- flags:<command>:start --> or <!-- flags:<command>:end -->)`);
    }
  }
  if (open) throw new DocsError(`${page}: ${open.marker} has no <!-- flags:${open.command}:end --> after it`);
  return tables;
}

/** Where each command's flags are documented. */
export interface TablePlace {
  page: string;
  spec: CommandSpec;
}

/**
 * Rewrites every marked table of one page from the specs. `expected` names the commands whose
 * tables must be on this page: a missing one is a DocsError naming the page and the command.
 */
export function rewritePage(page: string, text: string, specs: Record<string, CommandSpec>, expected: string[] = []): string {
  const tables = findTables(page, text);
  for (const command of expected) {
    if (!tables.some((table) => table.command === command)) {
      throw new DocsError(`${page}: no <!-- flags:${command}:start --> … <!-- flags:${command}:end --> pair: the flags of 'llmux-bench ${specs[command]?.name ?? command}' belong there`);
    }
  }
  let out = '';
  let at = 0;
  for (const table of tables) {
    const spec = specs[table.command];
    if (!spec) throw new DocsError(`${page}: ${table.marker} names no command (known: ${Object.keys(specs).join(', ')})`);
    if (selectFlags(spec, table.filter).length === 0) throw new DocsError(`${page}: ${table.marker} selects no flag of 'llmux-bench ${spec.name}'`);
    out += `${text.slice(at, table.bodyStart)}\n${renderFlagTable(spec, table.filter)}\n`;
    at = table.bodyEnd;
  }
  return out + text.slice(at);
}

/** Flags of a command that no table on its page shows (when tables use only= or except=). */
export function uncoveredFlags(tables: MarkedTable[], command: string, spec: CommandSpec): string[] {
  const shown = new Set(tables.filter((table) => table.command === command).flatMap((table) => selectFlags(spec, table.filter)));
  return Object.keys(spec.flags).filter((key) => !shown.has(key)).map((key) => `--${kebab(key)}`);
}
