// Shared command-line plumbing: flags declared once (type, short alias, env, default, description),
// usage text generated from the declaration, zod validation whose errors name the flag, and one
// error boundary per command.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDurationMs } from './duration.ts';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Environment variable read when the flag is absent. */
  env?: string;
  /** Raw default (as it would be typed), applied before validation and shown in --help. */
  default?: string | boolean;
  description: string;
  /** Placeholder in the usage text, e.g. "MS" or "URL". */
  value?: string;
}

export interface CommandSpec {
  /** Subcommand name as typed after `llmux-bench`. */
  name: string;
  summary: string;
  /** Usage text for positional arguments, e.g. "<script.js>"; absent = none allowed. */
  positionals?: string;
  flags: Record<string, FlagSpec>;
  /** Free text printed after the flag list (examples, notes). */
  epilog?: string;
}

export type RawValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  values: RawValues;
  positionals: string[];
  /** Where each value came from, for error messages: "--port" or "MOCK_PORT". */
  sources: Record<string, string>;
  help: boolean;
}

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function renderUsage(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags).map(([key, flag]) => {
    const names = `${flag.short ? `-${flag.short}, ` : '    '}--${kebab(key)}${flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : ''}`;
    const extras = [
      flag.default !== undefined && flag.default !== false ? `default: ${String(flag.default)}` : '',
      flag.env ? `env: ${flag.env}` : '',
      flag.multiple ? 'repeatable' : '',
    ].filter(Boolean);
    return [names, `${flag.description}${extras.length ? ` (${extras.join('; ')})` : ''}`] as const;
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.min(34, Math.max(...rows.map(([names]) => names.length)));
  const body = rows.map(([names, text]) =>
    names.length > width ? `  ${names}\n  ${' '.repeat(width)}  ${text}` : `  ${names.padEnd(width)}  ${text}`,
  );
  const head = `Usage: llmux-bench ${spec.name} [flags]${spec.positionals ? ` ${spec.positionals}` : ''}`;
  return [head, '', spec.summary, '', 'Flags:', ...body, ...(spec.epilog ? ['', spec.epilog] : [])].join('\n');
}

export function parseCommandArgs(spec: CommandSpec, argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  const keyOf: Record<string, string> = {};
  for (const [key, flag] of Object.entries(spec.flags)) {
    options[kebab(key)] = { type: flag.type, ...(flag.short ? { short: flag.short } : {}), ...(flag.multiple ? { multiple: true } : {}) };
    keyOf[kebab(key)] = key;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true, allowNegative: true });
  } catch (error) {
    throw new UsageError(parseArgsMessage(error));
  }
  const values: RawValues = {};
  const sources: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (name === 'help') continue;
    values[keyOf[name]] = value as RawValues[string];
    sources[keyOf[name]] = `--${name}`;
  }
  for (const [key, flag] of Object.entries(spec.flags)) {
    if (values[key] !== undefined) continue;
    const fromEnv = flag.env ? env[flag.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') {
      values[key] = flag.type === 'boolean' ? !/^(0|false|no|off)$/i.test(fromEnv) : flag.multiple ? [fromEnv] : fromEnv;
      sources[key] = flag.env!;
    } else if (flag.default !== undefined) {
      values[key] = flag.multiple && typeof flag.default === 'string' ? [flag.default] : flag.default;
      sources[key] = `--${kebab(key)}`;
    } else {
      sources[key] = `--${kebab(key)}`;
    }
  }
  if (!spec.positionals && parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
  }
  return { values, positionals: parsed.positionals, sources, help: Boolean(parsed.values.help) };
}

function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Node's messages are long and multi-line; keep the first sentence, which names the flag.
  const first = message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
  return first.replace(/^Unknown option '(.+?)'.*$/, "unknown flag '$1'");
}

/**
 * Validates raw values with a zod schema whose keys are the flag keys. The first problem becomes a
 * UsageError naming the flag (or env variable), the value received and what was expected.
 */
export function validateFlags<S extends z.ZodType>(schema: S, parsed: ParsedArgs): z.infer<S> {
  const result = schema.safeParse(parsed.values);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = String(issue.path[0] ?? '');
  const where = parsed.sources[key] ?? (key ? `--${kebab(key)}` : 'flags');
  const got = key in parsed.values ? ` (got ${JSON.stringify(parsed.values[key])})` : '';
  throw new UsageError(`${where}: ${issue.message}${got}`);
}

/** zod type for a duration flag: "50ms", "2s", "1m30s" or a bare number in `bareUnit`; yields ms. */
export const zDurationMs = (bareUnit: 'ms' | 's' = 'ms') =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDurationMs(value, bareUnit);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 50ms, 2s or 1m30s (a bare number is ${bareUnit})` });
      return z.NEVER;
    }
    return ms;
  });

/** zod type for a number given as text, with bounds checked after conversion. */
export const zNumber = (check: (schema: z.ZodNumber) => z.ZodNumber = (s) => s) =>
  z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
      if (Number.isNaN(n)) {
        ctx.addIssue({ code: 'custom', message: 'expected a number' });
        return z.NEVER;
      }
      return n;
    })
    .pipe(check(z.number()));

/**
 * Runs one command with a single error boundary: --help prints usage (exit 0), a UsageError prints
 * one line and a pointer to --help (exit 2); anything else prints its stack (exit 1).
 */
export async function runCommand(
  spec: CommandSpec,
  argv: string[],
  body: (args: ParsedArgs) => Promise<number>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  try {
    const args = parseCommandArgs(spec, argv, env);
    if (args.help) {
      process.stdout.write(renderUsage(spec) + '\n');
      return 0;
    }
    return await body(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`llmux-bench ${spec.name}: ${error.message}\nRun 'llmux-bench ${spec.name} --help' for usage.\n`);
      return 2;
    }
    process.stderr.write(`llmux-bench ${spec.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
