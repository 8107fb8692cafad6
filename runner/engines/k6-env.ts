// The scenarios' env contract as command-line flags, turned into `-e KEY=VALUE` arguments for k6 or
// the embedded engine, and printed with secrets masked.
import { z } from 'zod';
import { zDurationMs, zNumber, UsageError, type FlagSpec } from '../../lib/cli.ts';

export { SCENARIOS, type Scenario } from './build.ts';

/** Flags that map one to one onto a scenario env variable, in the order they are passed. */
export const ENV_FLAGS = {
  target: { type: 'string', value: 'URL', default: 'http://localhost:3000', description: 'base URL of the gateway under test', envKey: 'TARGET' },
  endpoint: { type: 'string', value: 'PATH', description: 'request path (scenario default: /v1/chat/completions)', envKey: 'ENDPOINT' },
  model: { type: 'string', value: 'ID', description: 'model name sent in requests (scenario default: gpt-4o)', envKey: 'MODEL' },
  requests: { type: 'string', value: 'N', description: 'requests to send (scenario default: 10000)', envKey: 'REQUESTS' },
  concurrency: { type: 'string', value: 'N', description: 'concurrent VUs (scenario default: 100; 1000 for concurrency)', envKey: 'CONCURRENCY' },
  duration: { type: 'string', value: 'DUR', description: 'run for this long instead of by request count, e.g. 30s (0 = by count)', envKey: 'DURATION' },
  rate: { type: 'string', value: 'RPS', description: 'open-model arrival rate in requests/s (constant-arrival-rate)', envKey: 'RATE' },
  maxVus: { type: 'string', value: 'N', description: 'with --rate: total VU ceiling of the arrival-rate executor, pre-allocated VUs included (default: --concurrency)', envKey: 'MAX_VUS' },
  warmup: { type: 'string', value: 'DUR', description: 'warm-up excluded from the statistics, e.g. 5s', envKey: 'WARMUP' },
  maxTokens: { type: 'string', value: 'N', description: 'max_tokens sent in requests', envKey: 'MAX_TOKENS' },
  prompt: { type: 'string', value: 'TEXT', description: 'prompt text sent in requests', envKey: 'PROMPT' },
  apiKey: { type: 'string', value: 'KEY', env: 'BENCH_API_KEY', description: 'API key sent as Bearer token (default: the scenarios\' test key; masked when printed)', envKey: 'API_KEY' },
  name: { type: 'string', value: 'NAME', default: 'benchmark', description: 'run name (summary file name, cloud test name)', envKey: 'NAME' },
  output: { type: 'string', value: 'DIR', default: 'results/', description: 'folder for summaries and results', envKey: 'OUTPUT' },
} satisfies Record<string, FlagSpec & { envKey: string }>;

export type EnvFlagKey = keyof typeof ENV_FLAGS;

/** Repeatable flags: request headers (HEADERS, as JSON) and extra `-e KEY=VALUE` pairs. */
export const EXTRA_ENV_FLAG = {
  header: { type: 'string', multiple: true, value: '"K: V"', description: 'extra request header, passed as HEADERS (values masked when printed)' },
  env: { type: 'string', short: 'e', multiple: true, value: 'KEY=VALUE', description: 'extra script env variable (threshold overrides, ...)' },
} satisfies Record<string, FlagSpec>;

/** Names whose values never appear in printed command lines. */
const SECRET_KEY = /KEY|TOKEN|SECRET|PASSW|AUTH|HEADERS|COOKIE/i;
export const MASK = '***';

const positiveInt = zNumber((n) => n.int().min(1));
const httpUrl = z.string().refine((text) => {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}, 'expected an http:// or https:// URL');
const duration = z.string().refine((text) => zDurationMs('s').safeParse(text).success, 'expected a duration like 30s or 1m30s (a bare number is seconds)');
const text = z.string().min(1, 'expected a value');

/** Validation of the env flags; values stay the text typed, so what k6 gets is what the user wrote. */
export const envFlagsSchema = z.object({
  target: httpUrl,
  endpoint: z.string().startsWith('/', 'expected a path starting with /').optional(),
  model: text.optional(),
  requests: z.string().refine((v) => positiveInt.safeParse(v).success, 'expected a whole number >= 1').optional(),
  concurrency: z.string().refine((v) => positiveInt.safeParse(v).success, 'expected a whole number >= 1').optional(),
  duration: duration.optional(),
  rate: z.string().refine((v) => zNumber((n) => n.positive()).safeParse(v).success, 'expected a number > 0').optional(),
  maxVus: z.string().refine((v) => positiveInt.safeParse(v).success, 'expected a whole number >= 1').optional(),
  warmup: duration.optional(),
  maxTokens: z.string().refine((v) => positiveInt.safeParse(v).success, 'expected a whole number >= 1').optional(),
  prompt: text.optional(),
  header: z.array(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*:/, 'expected "Name: value"')).optional(),
  apiKey: text.optional(),
  name: z.string().regex(/^[\w.-]+$/, 'expected letters, digits, _, . or - (it names files)'),
  output: text,
  env: z.array(z.string()).optional(),
});
export type EnvFlags = z.infer<typeof envFlagsSchema>;

/** Keys set by dedicated flags or by the commands themselves; `-e` may not set them. */
const RESERVED = new Set<string>([
  ...Object.values(ENV_FLAGS).map((flag) => flag.envKey),
  'CLOUD_NAME',
  'CLOUD_PROJECT_ID',
  'CLOUD_DISTRIBUTION',
  'HEADERS',
]);
const FLAG_FOR_KEY: Record<string, string> = {
  ...Object.fromEntries(Object.entries(ENV_FLAGS).map(([key, flag]) => [flag.envKey, `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`])),
  HEADERS: '--header',
};

/** Parses the repeatable `-e KEY=VALUE` flag; refuses keys with their own flag and cloud credentials. */
export function parseExtraEnv(pairs: string[] = []): [string, string][] {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`-e ${JSON.stringify(pair)}: expected KEY=VALUE`);
    if (/^K6_CLOUD_TOKEN$/i.test(key)) throw new UsageError('-e K6_CLOUD_TOKEN: the token is read from the environment only, never passed as an argument');
    if (RESERVED.has(key)) throw new UsageError(`-e ${key}: use ${FLAG_FOR_KEY[key] ?? 'its dedicated flag'} instead`);
    return [key, pair.slice(eq + 1)];
  });
}

/**
 * The scenario env for validated flags: TARGET, NAME and OUTPUT always, every other contract
 * variable only when given (the scripts' defaults apply otherwise), HEADERS from --header, then
 * the command's own extras and the `-e` pairs.
 */
export function scenarioEnv(flags: Partial<EnvFlags>, extra: Record<string, string | undefined> = {}): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, flag] of Object.entries(ENV_FLAGS) as [EnvFlagKey, (typeof ENV_FLAGS)[EnvFlagKey]][]) {
    const value = flags[key];
    if (value !== undefined) pairs.push([flag.envKey, value]);
  }
  if (flags.header?.length) pairs.push(['HEADERS', headersJson(flags.header)]);
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) pairs.push([key, value]);
  pairs.push(...parseExtraEnv(flags.env));
  return pairs;
}

/** `--header "Name: value"` flags as the JSON object the scripts read from HEADERS. */
export function headersJson(headers: string[]): string {
  const out: Record<string, string> = {};
  for (const header of headers) {
    const colon = header.indexOf(':');
    out[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
  }
  return JSON.stringify(out);
}

export function envArgs(pairs: [string, string][]): string[] {
  return pairs.flatMap(([key, value]) => ['-e', `${key}=${value}`]);
}

export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key);

/** `KEY=VALUE` with the value replaced by *** for secret-looking keys. */
function maskPair(arg: string): string {
  const eq = arg.indexOf('=');
  return eq > 0 && isSecretKey(arg.slice(0, eq)) ? `${arg.slice(0, eq + 1)}${MASK}` : arg;
}

/** A command line as a user could paste it into a shell, secrets masked. */
export function formatCommand(argv: string[]): string {
  return argv
    .map((arg, i) => (i > 0 && (argv[i - 1] === '-e' || argv[i - 1] === '--env') ? maskPair(arg) : arg))
    .map(shellQuote)
    .join(' ');
}

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./*-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
