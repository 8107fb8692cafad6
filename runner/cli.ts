// `llmux-bench bench` / `npm run bench`: flags → BenchOptions → runBench (or calibration, or compare).
import { z } from 'zod';
import { kebab, parseCommandArgs, runCommand, UsageError, validateFlags, zDurationMs, zNumber, type CommandSpec, type FlagSpec, type ParsedArgs } from '../lib/cli.ts';
import { mockCommand, mockFlagsSchema, toMockOptions } from '../mock/cli.ts';
import { runBench, type BenchOptions } from './bench.ts';
import { runCalibration } from './sampling/calibrate.ts';
import { BenchError } from './errors.ts';
import { stopNow } from './stop-now.ts';
import { SCENARIOS } from './engines/build.ts';
import { checkScenarioEnv } from './engines/scenario-env-check.ts';

/** Mock settings passed through as --mock-<flag> (the mock's own flags; --mock-port included). */
const MOCK_FLAGS = Object.keys(mockCommand.flags).filter((key) => key !== 'host');
const mockKey = (key: string) => `mock${key[0].toUpperCase()}${key.slice(1)}`;

const mockFlagSpecs: Record<string, FlagSpec> = Object.fromEntries(
  MOCK_FLAGS.map((key) => {
    const flag = mockCommand.flags[key];
    const description =
      key === 'port'
        ? 'port of the mock (default: 8080 with --target alone, so a proxy configured for http://localhost:8080 finds it; a free one otherwise)'
        : `mock: ${flag.description} (mock default: ${String(flag.default)})`;
    return [mockKey(key), { type: 'string', value: flag.value, description } satisfies FlagSpec];
  }),
);

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary:
    'One-key benchmark: starts the mock, runs a baseline straight at it and the same load at the target, samples memory and CPU, writes one result file per run and prints a table.',
  positionals: '[--compare a.json b.json ...]',
  flags: {
    target: { type: 'string', value: 'URL', description: 'proxy under test (none: benchmark the mock itself)' },
    targetCmd: { type: 'string', value: 'CMD', description: 'start the proxy with this shell command (gets MOCK_URL, MOCK_PORT, OPENAI_BASE_URL, OPENAI_API_BASE), stop it after; needs --target' },
    targetPid: { type: 'string', value: 'N', description: 'pid of the running proxy to measure (default: found by the port --target listens on)' },
    requests: { type: 'string', value: 'N', description: 'requests per run when --duration is 0 (default: 10000)' },
    concurrency: { type: 'string', value: 'N', description: 'virtual users (default: 100; the concurrency scenario ramps to 1000)' },
    duration: { type: 'string', default: '0', value: 'SEC', description: 'seconds per run, or 30s/1m form; 0 = run by request count' },
    rate: { type: 'string', value: 'RPS', description: 'open model: requests per second offered (constant-arrival-rate)' },
    maxVus: { type: 'string', value: 'N', description: 'with --rate: total VU ceiling, pre-allocated VUs included (default: --concurrency)' },
    name: { type: 'string', default: 'benchmark', value: 'NAME', description: 'name of the result (file <output>/<name>_<UTC stamp>.json)' },
    output: { type: 'string', default: 'results/', value: 'DIR', description: 'directory for result files' },
    scenario: { type: 'string', default: 'basic', value: 'NAME', description: 'basic, streaming, concurrency, tools (chat tool calls) or responses (Responses API)' },
    stream: { type: 'boolean', description: 'tools and responses scenarios: streamed answers (--no-stream: whole ones; default: responses streams, tools does not)' },
    compare: { type: 'string', value: 'FILE', description: 'compare result files instead of running: everything after it goes to llmux-bench compare (its flags too: --format, --baseline, --fail-on, --strict, --out, ...)' },
    engine: { type: 'string', default: 'auto', value: 'KIND', description: 'load generator: auto (k6 when installed), k6 or embedded' },
    engineWorkers: { type: 'string', value: 'N', description: 'embedded engine: worker threads (default: one per core the placement gives the load generator alone, else 1)' },
    header: { type: 'string', multiple: true, value: '"K: V"', description: 'extra request header (values never written to results or logs)' },
    apiKey: { type: 'string', env: 'BENCH_API_KEY', value: 'KEY', description: 'API key sent as Bearer token (default: the scenarios\' test key; never written)' },
    model: { type: 'string', value: 'ID', description: 'model in the request body (default: gpt-4o)' },
    endpoint: { type: 'string', value: 'PATH', description: 'request path (default: /v1/chat/completions)' },
    maxTokens: { type: 'string', value: 'N', description: 'max_tokens in the request body' },
    ...mockFlagSpecs,
    mockArg: { type: 'string', multiple: true, value: 'FLAGS', description: 'any other flags for the mock, e.g. --mock-arg="--stall-rate 0.01"' },
    warmup: { type: 'string', default: 'auto', value: 'SEC|auto', description: 'auto: before every run, the same load until throughput is steady (two 1 s windows within 5%, 2-30 s); SEC: a fixed warm-up at the start of every run; excluded from results either way (0 = none)' },
    maxDuration: { type: 'string', default: '10m', value: 'DUR', description: 'a count-based run (--duration 0) stops after this long and is written marked partial, with the reason (0 = no bound)' },
    repeat: { type: 'string', default: '1', value: 'N', description: 'runs per target; the median run is written with the RPS coefficient of variation' },
    baseline: { type: 'boolean', default: true, description: 'run the baseline straight at the mock (--no-baseline skips it; no overhead then)' },
    pin: { type: 'boolean', default: true, description: 'keep the load generator off the cores of the target and the mock (taskset; 2+ cores); --no-pin lets all three share every core' },
    calibrate: { type: 'boolean', description: "measure the mock's and the load generator's ceilings on this machine (5 s per scenario, or --duration), save <output>/.calibration.json" },
    readyTimeout: { type: 'string', default: '30s', value: 'DUR', description: 'how long --target-cmd may take until the target answers' },
    quiet: { type: 'boolean', description: 'no progress output' },
    sweep: { type: 'boolean', description: 'capacity sweep: the highest arrival rate within the SLO, for the mock alone and the target (open model, one load run per step)' },
    sloP99: { type: 'string', value: 'DUR', description: "with --sweep: p99 latency bound (default: 2x the first side's p99 at --start-rate, stated in the output)" },
    sloErrors: { type: 'string', default: '1%', value: 'P', description: 'with --sweep: error rate bound, as 1% or 0.01' },
    sloTtftP99: { type: 'string', value: 'DUR', description: 'with --sweep and a streaming scenario: p99 time-to-first-token bound' },
    startRate: { type: 'string', default: '10', value: 'RPS', description: 'with --sweep: rate of the first step (also the low load the default SLO is taken at)' },
    maxRate: { type: 'string', default: '100000', value: 'RPS', description: 'with --sweep: highest rate to try; a sweep that passes it says the ceiling is higher' },
    stepDuration: { type: 'string', default: '5', value: 'SEC', description: 'with --sweep: measured seconds per step (after a 1 s warm-up in each step)' },
  },
  epilog: [
    'Examples:',
    '  npm run bench                                             # the mock itself, 10000 requests, 100 VUs',
    '  npm run bench -- --target http://localhost:3000 --name llmux',
    '  npm run bench -- --target http://127.0.0.1:4000 --target-cmd "my-proxy --upstream $MOCK_URL" --scenario streaming',
    '  npm run bench -- --compare results/llmux_*.json results/litellm_*.json',
    '  npm run bench -- --compare results/litellm_*.json results/llmux_*.json --format md --fail-on "p99:+10%"',
    'Exit codes: 0 done, 1 failed, 2 bad flags or an --output that cannot be written, 99 thresholds failed, 130 interrupted (partial results written).',
  ].join('\n'),
};

const positiveInt = zNumber((n) => n.int().min(1));
const optional = <T extends z.ZodType>(schema: T) => schema.optional();
const url = z.string().refine((text) => /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(text), { message: 'expected an http:// or https:// URL' });
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)$/;

const benchSchema = z
  .object({
    target: optional(url),
    targetCmd: optional(z.string().min(1, { message: 'expected a command' })),
    targetPid: optional(positiveInt),
    requests: optional(positiveInt),
    concurrency: optional(positiveInt),
    duration: zDurationMs('s'),
    rate: optional(zNumber((n) => n.positive())),
    maxVus: optional(positiveInt),
    name: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/, { message: 'expected letters, digits, ".", "_" and "-" (it names files)' }),
    output: z.string().min(1),
    scenario: z.enum(SCENARIOS, { message: `expected ${SCENARIOS.join(', ')}` }),
    compare: optional(z.string()),
    engine: z.enum(['auto', 'k6', 'embedded'], { message: 'expected auto, k6 or embedded' }),
    engineWorkers: optional(positiveInt),
    header: optional(z.array(z.string())),
    apiKey: optional(z.string()),
    model: optional(z.string().min(1)),
    endpoint: optional(z.string().regex(/^\/\S*$/, { message: 'expected a path starting with /' })),
    maxTokens: optional(positiveInt),
    stream: optional(z.boolean()),
    mockArg: optional(z.array(z.string())),
    warmup: z.union([z.literal('auto'), zDurationMs('s')]),
    maxDuration: zDurationMs('s'),
    repeat: zNumber((n) => n.int().min(1).max(100)),
    baseline: z.boolean(),
    pin: z.boolean(),
    calibrate: optional(z.boolean()),
    readyTimeout: zDurationMs('s'),
    quiet: optional(z.boolean()),
    sweep: optional(z.boolean()),
    sloP99: optional(zDurationMs('ms').refine((ms) => ms > 0, { message: 'expected a duration above 0' })),
    sloErrors: z.string().transform((text, ctx) => {
      const n = text.trim().endsWith('%') ? Number(text.trim().slice(0, -1)) / 100 : Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
        ctx.addIssue({ code: 'custom', message: 'expected an error rate like 1% or 0.01 (0 to 100%)' });
        return z.NEVER;
      }
      return n;
    }),
    sloTtftP99: optional(zDurationMs('ms').refine((ms) => ms > 0, { message: 'expected a duration above 0' })),
    startRate: zNumber((n) => n.positive().max(1_000_000)),
    maxRate: zNumber((n) => n.positive().max(1_000_000)),
    stepDuration: zDurationMs('s').refine((ms) => ms >= 1000, { message: 'expected at least 1 second' }),
  })
  .loose();

/** Header values are secrets: this error names the flag and the header, never the value. */
function parseHeaders(values: string[] = []): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const text of values) {
    const match = HEADER.exec(text)!;
    headers[match[1]] = match[2].trim();
  }
  return headers;
}

/** The mock's own flags and env resolved exactly as the mock child will resolve them. */
function mockSetup(args: ParsedArgs, portDefault: number): { mockArgs: string[]; settings: BenchOptions['mockSettings'] } {
  const mockArgs: string[] = [];
  for (const key of MOCK_FLAGS) {
    const value = args.values[mockKey(key)];
    if (typeof value === 'string') mockArgs.push(`--${kebab(key)}`, value);
  }
  if (args.values.mockPort === undefined) mockArgs.push('--port', String(portDefault));
  for (const extra of (args.values.mockArg as string[] | undefined) ?? []) mockArgs.push(...extra.trim().split(/\s+/).filter(Boolean));
  let options;
  try {
    options = toMockOptions(validateFlags(mockFlagsSchema, parseCommandArgs(mockCommand, mockArgs)));
  } catch (error) {
    // Name the bench flag the user typed (--mock-latency), not the mock's own (--latency).
    const message = error instanceof Error ? error.message : String(error);
    const flag = /^--([a-z-]+)/.exec(message)?.[1];
    const key = MOCK_FLAGS.find((k) => kebab(k) === flag);
    const renamed =
      key && args.values[mockKey(key)] !== undefined ? message.replace(/^--/, '--mock-') : `--mock-arg${message.startsWith('--') ? ' ' : ': '}${message}`;
    throw new UsageError(renamed);
  }
  const settings: BenchOptions['mockSettings'] = {
    latency: Math.round(options.latencyMs * 1e6),
    itl: Math.round(options.itlMs * 1e6),
    tokens: options.tokens,
    seed: options.seed,
    jitter: options.jitter,
  };
  if (options.errorRate > 0) Object.assign(settings, { error_rate: options.errorRate, error_status: options.errorStatus });
  if (options.abortRate > 0) settings.abort_rate = options.abortRate;
  if (options.stallRate > 0) Object.assign(settings, { stall_rate: options.stallRate, stall: Math.round(options.stallMs * 1e6) });
  if (options.maxConcurrency > 0) settings.max_concurrency = options.maxConcurrency;
  if (options.prefillPerTokenMs > 0) settings.prefill_per_token = Math.round(options.prefillPerTokenMs * 1e6);
  if (options.tokensPerChunk !== 1) settings.tokens_per_chunk = options.tokensPerChunk;
  return { mockArgs, settings };
}

export function toBenchOptions(args: ParsedArgs): BenchOptions {
  // Checked before zod, whose message would quote the value (header values are secrets).
  for (const [i, text] of ((args.values.header as string[] | undefined) ?? []).entries()) {
    if (!HEADER.test(text)) throw new UsageError(`--header #${i + 1}: expected "Name: value" with a valid header name`);
  }
  const flags = validateFlags(benchSchema, args);
  if (flags.compare === undefined && args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  if (flags.targetCmd && !flags.target) throw new UsageError('--target-cmd needs --target, the URL the started proxy listens on');
  if (flags.targetPid && !flags.target) throw new UsageError('--target-pid needs --target, the URL that process listens on');
  if (flags.targetPid && flags.targetCmd) throw new UsageError('--target-pid and --target-cmd exclude each other (the runner measures the process it starts)');
  if (flags.rate !== undefined && flags.scenario === 'concurrency') throw new UsageError('--rate: the concurrency scenario ramps VUs and takes no rate');
  if (flags.maxVus !== undefined && flags.rate === undefined) throw new UsageError('--max-vus only applies with --rate');
  checkSweepFlags(args, flags);
  if (flags.stream !== undefined && flags.scenario !== 'tools' && flags.scenario !== 'responses') {
    throw new UsageError(`--${flags.stream ? '' : 'no-'}stream applies to the tools and responses scenarios only (${flags.scenario} ${flags.scenario === 'streaming' ? 'always streams' : 'never streams'})`);
  }
  // A proxy started elsewhere was configured with the mock's address: the seed's 8080.
  const { mockArgs, settings } = mockSetup(args, flags.target && !flags.targetCmd ? 8080 : 0);
  const opts: BenchOptions = {
    target: flags.target ?? null,
    targetCmd: flags.targetCmd ?? null,
    targetPid: flags.targetPid ?? null,
    scenario: flags.scenario,
    requests: flags.requests ?? null,
    concurrency: flags.concurrency ?? null,
    durationS: flags.duration / 1000,
    rate: flags.rate ?? null,
    maxVus: flags.maxVus ?? null,
    name: flags.name,
    output: flags.output,
    engine: flags.engine,
    ...(flags.engineWorkers !== undefined && { engineWorkers: flags.engineWorkers }),
    headers: parseHeaders(flags.header),
    apiKey: flags.apiKey ?? null,
    model: flags.model ?? null,
    endpoint: flags.endpoint ?? null,
    maxTokens: flags.maxTokens ?? null,
    stream: flags.stream ?? null,
    mockArgs,
    mockSettings: settings,
    warmupS: flags.warmup === 'auto' ? 0 : flags.warmup / 1000,
    warmupAuto: flags.warmup === 'auto',
    maxDurationS: flags.maxDuration / 1000,
    repeat: flags.repeat,
    baseline: flags.baseline,
    pin: flags.pin,
    readyTimeoutMs: flags.readyTimeout,
    quiet: Boolean(flags.quiet),
    sweep: flags.sweep
      ? {
          sloP99Ms: flags.sloP99 ?? null,
          sloErrorRate: flags.sloErrors,
          sloTtftP99Ms: flags.sloTtftP99 ?? null,
          startRps: flags.startRate,
          maxRps: flags.maxRate,
          stepDurationS: flags.stepDuration / 1000,
          stepWarmupS: 1,
        }
      : null,
  };
  // What the scenario would reject in its init stage, rejected now, before anything starts.
  checkScenarioEnv(opts);
  return opts;
}

const SWEEP_ONLY = ['sloP99', 'sloErrors', 'sloTtftP99', 'startRate', 'maxRate', 'stepDuration'] as const;

/** --sweep picks each step's rate and length itself: flags that fix them do not mix with it. */
function checkSweepFlags(args: ParsedArgs, flags: z.infer<typeof benchSchema>): void {
  // Flags with defaults always have a value: count them as given when they differ from it.
  const given = (key: string) => args.values[key] !== undefined && args.values[key] !== benchCommand.flags[key].default;
  if (!flags.sweep) {
    const stray = SWEEP_ONLY.find(given);
    if (stray) throw new UsageError(`--${kebab(stray)} only applies with --sweep`);
    return;
  }
  if (flags.scenario === 'concurrency') throw new UsageError('--sweep: the concurrency scenario ramps VUs; sweep basic or streaming');
  for (const key of ['rate', 'maxVus', 'requests', 'duration', 'concurrency'] as const) {
    if (given(key)) throw new UsageError(`--${kebab(key)} does not apply with --sweep (it sets each step's rate, VUs and length; see --start-rate, --max-rate, --step-duration)`);
  }
  if (flags.repeat > 1) throw new UsageError('--repeat does not apply with --sweep');
  if (flags.calibrate) throw new UsageError('--calibrate and --sweep exclude each other');
  if (flags.sloTtftP99 !== undefined && flags.scenario !== 'streaming') throw new UsageError('--slo-ttft-p99 only applies to the streaming scenario');
  if (flags.startRate > flags.maxRate) throw new UsageError(`--start-rate ${flags.startRate} is above --max-rate ${flags.maxRate}`);
}

/**
 * `--compare` hands the rest of the command line to `llmux-bench compare`, its flags included
 * (compare's --baseline takes a file, bench's is a switch): argv without the --compare token, or
 * null when it is not there (before a `--` terminator).
 */
export function compareArgv(argv: string[]): string[] | null {
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    if (argv[i] === '--compare') return [...argv.slice(0, i), ...argv.slice(i + 1)];
    if (argv[i].startsWith('--compare=')) return [...argv.slice(0, i), argv[i].slice('--compare='.length), ...argv.slice(i + 1)];
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  const forCompare = compareArgv(argv);
  if (forCompare) {
    const { main: compare } = await import('../reporter/compare-cli.ts');
    return compare(forCompare);
  }
  return runCommand(benchCommand, argv, async (args) => {
    const opts = toBenchOptions(args);
    // Ctrl-C (or SIGTERM/SIGHUP): stop the load, keep what was measured; a second one stops at once
    // (the exit hook of process-tree.ts kills every child group).
    const controller = new AbortController();
    let stoppingNow = false;
    const onSignal = () => {
      if (stoppingNow) process.exit(130);
      if (controller.signal.aborted) {
        // The runs that finished are written first (a third Ctrl-C skips that).
        stoppingNow = true;
        process.stderr.write('\nstopping now: writing the runs that finished\n');
        void stopNow().finally(() => process.exit(130));
        return;
      }
      process.stderr.write('\nstopping: ending the load, writing what was measured (Ctrl-C again to stop at once, keeping the runs that finished)\n');
      controller.abort();
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSignal);
    try {
      const io = { stdout: process.stdout, stderr: process.stderr, signal: controller.signal };
      // --calibrate runs 5 s per scenario unless --duration says otherwise.
      return await (args.values.calibrate ? runCalibration(opts, io, opts.durationS > 0 ? opts.durationS : 5) : runBench(opts, io));
    } catch (error) {
      if (error instanceof BenchError) {
        process.stderr.write(`llmux-bench bench: ${error.message}\n`);
        return error.exitCode;
      }
      throw error;
    } finally {
      for (const s of signals) process.off(s, onSignal);
    }
  });
}
