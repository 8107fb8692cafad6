// Finds the `llmux-bench` command lines a markdown page shows (in code blocks and inline code) and
// the flags they use, so a test can hold every documented command line to its command's spec.
import { kebab, type CommandSpec } from '../cli.ts';

export interface CommandLine {
  /** 1-based line of the page where the command starts. */
  line: number;
  /** The command line as written (continuation lines joined). */
  text: string;
  command: string;
  flags: string[];
  /** For `bench ... --compare a b --flags`: the flags handed to `compare`. */
  compareFlags: string[];
}

/** Every flag spelling a spec accepts: --name, --no-name for booleans, -x for short ones, --help. */
export function acceptedFlags(spec: Pick<CommandSpec, 'flags'>): Set<string> {
  const names = new Set(['--help', '-h']);
  for (const [key, flag] of Object.entries(spec.flags)) {
    names.add(`--${kebab(key)}`);
    if (flag.type === 'boolean') names.add(`--no-${kebab(key)}`);
    if (flag.short) names.add(`-${flag.short}`);
  }
  return names;
}

/** Flags in a piece of a command line, quoted values (shell commands, header values) left out. */
export function flagsIn(text: string): string[] {
  return text.replace(QUOTED, ' ').match(/(?<![\w-])--?[a-zA-Z][\w-]*(?![\w<-])/g) ?? [];
}

const INVOCATION = /(?:\bnpm run(?: -s)? |\bnpx llmux-bench |\bnode bin\/llmux-bench\.mjs |(?<![\w/-])llmux-bench )([a-z][\w:-]*)(?:\s+--(?=\s|$))?/;
const QUOTED = /="[^"]*"|='[^']*'|"[^"]*"|'[^']*'/g;

/** The llmux-bench invocations in one shell line (`a && b; c | d` holds up to four). */
function commandsIn(text: string, known: Set<string>): Omit<CommandLine, 'line'>[] {
  const found: Omit<CommandLine, 'line'>[] = [];
  // Quoted values (shell commands, header values) hold no flags of ours, and may hold `&&`.
  const bare = text.replace(QUOTED, ' ').replace(/\s#\s.*$/, '');
  for (const part of bare.split(/\s(?:&&|\|\||;|\|)\s/)) {
    const match = INVOCATION.exec(part);
    if (!match || !known.has(match[1])) continue;
    let rest = part.slice(match.index + match[0].length);
    // `engine` has one subcommand, `run`.
    if (match[1] === 'engine') rest = rest.replace(/^\s*run\b/, '');
    const flags = flagsIn(rest);
    const at = match[1] === 'bench' ? flags.indexOf('--compare') : -1;
    found.push({
      text,
      command: match[1],
      flags: at >= 0 ? flags.slice(0, at + 1) : flags,
      compareFlags: at >= 0 ? flags.slice(at + 1) : [],
    });
  }
  return found;
}

/** The command lines of a page: whole lines in fenced code blocks, inline code spans elsewhere. */
export function commandLines(markdown: string, commands: Iterable<string>): CommandLine[] {
  const known = new Set(commands);
  const lines = markdown.split('\n');
  const found: CommandLine[] = [];
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*```/.test(lines[i])) {
      fenced = !fenced;
      continue;
    }
    const start = i;
    if (fenced) {
      let text = lines[i];
      while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i].trim()}`;
      for (const hit of commandsIn(text, known)) found.push({ ...hit, line: start + 1 });
    } else {
      for (const [, span] of lines[i].matchAll(/`([^`]+)`/g)) {
        for (const hit of commandsIn(span, known)) found.push({ ...hit, line: start + 1 });
      }
    }
  }
  return found;
}

/** Flags named in inline code spans outside fenced blocks (prose), with their line numbers. */
export function proseFlags(markdown: string): { line: number; flag: string }[] {
  const out: { line: number; flag: string }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    for (const [, span] of text.matchAll(/`([^`]+)`/g)) for (const flag of flagsIn(span)) if (flag.startsWith('--')) out.push({ line: i + 1, flag });
  });
  return out;
}
