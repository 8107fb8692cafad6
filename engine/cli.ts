// `llmux-bench engine run [flags] script.js`: k6's `run` command for the supported subset of flags.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseCommandArgs, renderUsage, runCommand, UsageError, validateFlags, zDurationMs, zNumber, type CommandSpec } from '../lib/cli.ts';
import { EnvConfigError, readEnvConfig, stageOf, type EnvConfig } from './env-config.ts';
import { logLateErrors } from './late-errors.ts';
import { EXIT, runTest } from './run.ts';

export const spec: CommandSpec = {
  name: 'engine run',
  summary: 'Run a k6 script (e.g. dist/basic.js) with the embedded k6-compatible engine.',
  positionals: '<script.js>',
  flags: {
    env: { type: 'string', short: 'e', multiple: true, value: 'KEY=VALUE', description: 'add a variable to __ENV' },
    config: { type: 'string', short: 'c', value: 'FILE', env: 'K6_CONFIG', description: "k6's JSON config file: options under the script's (K6_* variables and flags over both)" },
    vus: { type: 'string', short: 'u', value: 'N', description: "number of VUs (k6's shortcut; ignored when the script defines scenarios and neither -i nor -d is given)" },
    iterations: { type: 'string', short: 'i', value: 'N', description: 'total iterations shared by the VUs (replaces the scenarios)' },
    duration: { type: 'string', short: 'd', value: 'DURATION', description: 'run the VUs for this long, e.g. 30s (replaces the scenarios)' },
    summaryExport: { type: 'string', value: 'FILE', description: "write k6's legacy summary JSON to FILE" },
    out: { type: 'string', short: 'o', multiple: true, value: 'json=FILE|csv=FILE', description: "stream metrics as k6's NDJSON or CSV (FILE.gz = gzipped; an existing FILE is refused)" },
    summary: { type: 'boolean', default: true, description: 'the end-of-test summary (--no-summary: no handleSummary, text summary or --summary-export)' },
    summaryTrendStats: { type: 'string', value: 'STATS', description: 'trend stats in the summary, e.g. avg,min,med,max,p(95),p(99),count' },
    tag: { type: 'string', multiple: true, value: 'NAME=VALUE', description: 'add a tag to every sample (options.tags)' },
    stage: { type: 'string', short: 's', multiple: true, value: 'DURATION:TARGET', description: 'ramp the VUs, e.g. --stage 30s:10 --stage 1m:0 (replaces the scenarios)' },
    verbose: { type: 'boolean', short: 'v', description: 'also print console.debug lines' },
    httpDebug: { type: 'boolean', description: 'log every request and response (--http-debug=full adds the bodies)' },
    httpDebugFull: { type: 'boolean', description: 'the same as --http-debug=full' },
    rps: { type: 'string', value: 'N', description: 'at most N requests a second over all the VUs (options.rps; 0: no limit)' },
    syncVus: { type: 'string', value: 'loop|threads', description: 'how VUs of a synchronous-style script wait: loop (default: the script rewritten to wait on the event loop) or threads (a worker thread per VU)' },
    thresholds: { type: 'boolean', default: true, description: 'evaluate the thresholds (--no-thresholds: do not)' },
    insecureSkipTlsVerify: { type: 'boolean', description: 'accept any TLS certificate (options.insecureSkipTLSVerify)' },
    quiet: { type: 'boolean', short: 'q', description: 'no banner, progress or threshold notice on stderr' },
    progress: { type: 'string', value: 'ndjson', description: 'write {"progress":{...}} lines to stderr every 500 ms' },
    includeSystemEnvVars: { type: 'boolean', default: true, description: 'put the process environment into __ENV, as k6 run does' },
    executionSegment: { type: 'string', value: 'SEGMENT', description: "run only this part of the test, as k6: e.g. 0:1/2, 1/2:1, 50%:100%, 1/3 (= 0:1/3)" },
    executionSegmentSequence: { type: 'string', value: 'POINTS', description: 'the parts all instances run, as k6: e.g. 0,1/3,2/3,1 (--execution-segment must be one of them)' },
    workers: { type: 'string', value: 'N', default: '1', description: "run the test (or this instance's segment) on N worker threads, merged into one summary" },
  },
  epilog: [
    'Exit codes (as k6): 0 ok, 99 thresholds failed, 100 setup timeout, 101 teardown timeout, 104 invalid options, 105 interrupted',
    '(Ctrl-C), 107 script error, 108 aborted by the script (exec.test.abort), 110 exec.test.fail(), 2 bad flags.',
    'Example: llmux-bench engine run -e TARGET=http://127.0.0.1:8080 --vus 10 --duration 30s dist/basic.js',
  ].join('\n'),
};

/** k6's keys of a config file that are not script options: the engine has no use for them. */
const CONFIG_ONLY_KEYS = ['out', 'linger', 'noUsageReport', 'collectors', 'webDashboard', 'noArchiveUpload'];

/** The options of a `--config` JSON file, or what is wrong with it. */
function configFile(path: string): Record<string, unknown> | string {
  if (!existsSync(path)) throw new UsageError(`--config: no such file '${path}'`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return `not JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'expected a JSON object of options';
  const options = { ...(parsed as Record<string, unknown>) };
  for (const key of CONFIG_ONLY_KEYS) delete options[key];
  return options;
}

/** The files of `--out json=FILE` / `csv=FILE` items, or what is wrong with one. */
function outFiles(list: string[]): { json?: string; csv?: string } | string {
  const outs: { json?: string; csv?: string } = {};
  for (const o of list) {
    const match = /^(json|csv)=(.+)$/.exec(o);
    if (!match) return `expected json=FILE or csv=FILE (got ${JSON.stringify(o)})`;
    outs[match[1] as 'json' | 'csv'] = match[2];
  }
  return outs;
}

const schema = z.object({
  env: z
    .array(z.string())
    .optional()
    .transform((pairs, ctx) => {
      const env: Record<string, string> = {};
      for (const pair of pairs ?? []) {
        const eq = pair.indexOf('=');
        if (eq <= 0) {
          ctx.addIssue({ code: 'custom', message: `expected KEY=VALUE (got ${JSON.stringify(pair)})` });
          return z.NEVER;
        }
        env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return env;
    }),
  vus: zNumber((n) => n.int().min(1)).optional(),
  iterations: zNumber((n) => n.int().min(1)).optional(),
  duration: zDurationMs('s').optional(),
  config: z.string().min(1).optional(),
  summaryExport: z.string().min(1).optional(),
  out: z
    .array(z.string())
    .optional()
    .transform((list, ctx) => {
      const outs = outFiles(list ?? []);
      if (typeof outs === 'string') {
        ctx.addIssue({ code: 'custom', message: outs });
        return z.NEVER;
      }
      return outs;
    }),
  summary: z.boolean(),
  summaryTrendStats: z
    .string()
    .optional()
    .transform((t) => (t === undefined ? undefined : t.split(',').map((x) => x.trim()).filter(Boolean))),
  tag: z
    .array(z.string())
    .optional()
    .transform((pairs, ctx) => {
      if (pairs === undefined) return undefined;
      const tags: Record<string, string> = {};
      for (const pair of pairs) {
        const eq = pair.indexOf('=');
        if (eq <= 0) {
          ctx.addIssue({ code: 'custom', message: `expected NAME=VALUE (got ${JSON.stringify(pair)})` });
          return z.NEVER;
        }
        tags[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return tags;
    }),
  stage: z
    .array(z.string())
    .optional()
    .transform((list, ctx) => {
      if (list === undefined) return undefined;
      const stages: Array<{ duration: string; target: number }> = [];
      for (const text of list) {
        const stage = stageOf(text);
        if (stage === null) {
          ctx.addIssue({ code: 'custom', message: `expected DURATION:TARGET like 30s:10 (got ${JSON.stringify(text)})` });
          return z.NEVER;
        }
        stages.push(stage);
      }
      return stages;
    }),
  verbose: z.boolean().optional(),
  httpDebug: z.boolean().optional(),
  httpDebugFull: z.boolean().optional(),
  rps: zNumber((n) => n.int().min(0)).optional(),
  syncVus: z.enum(['loop', 'threads']).optional(),
  thresholds: z.boolean(),
  insecureSkipTlsVerify: z.boolean().optional(),
  quiet: z.boolean().optional(),
  progress: z.enum(['ndjson']).optional(),
  includeSystemEnvVars: z.boolean(),
  executionSegment: z.string().optional(),
  executionSegmentSequence: z.string().optional(),
  workers: zNumber((n) => n.int().min(1).max(256)),
});

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(renderUsage(spec) + '\n');
    return command === undefined ? 2 : 0;
  }
  if (command !== 'run') {
    process.stderr.write(`llmux-bench engine: unknown subcommand '${command}' (expected 'run')\nRun 'llmux-bench engine run --help' for usage.\n`);
    return 2;
  }
  // k6 spells the full form --http-debug=full; the flag parser wants booleans without values.
  const argvFixed = rest.map((a) => (a === '--http-debug=full' ? '--http-debug-full' : a));
  const code = await runCommand(spec, argvFixed, async (args) => {
    const flags = validateFlags(schema, args);
    if (args.positionals.length !== 1) throw new UsageError(`expected exactly one script path (got ${args.positionals.length})`);
    const script = args.positionals[0];
    if (!existsSync(script)) throw new UsageError(`script '${script}' not found`);
    let fromEnv: EnvConfig;
    try {
      fromEnv = readEnvConfig(process.env);
    } catch (e) {
      if (!(e instanceof EnvConfigError)) throw e;
      process.stderr.write(`invalid options: ${e.message}\n`);
      return EXIT.invalidConfig;
    }
    let configOptions: Record<string, unknown> | undefined;
    if (flags.config !== undefined) {
      const file = configFile(flags.config);
      if (typeof file === 'string') {
        process.stderr.write(`invalid options: --config ${flags.config}: ${file}\n`);
        return EXIT.invalidConfig;
      }
      configOptions = file;
    }
    // --out replaces K6_OUT.
    const out = args.values.out === undefined && fromEnv.out !== undefined ? outFiles(fromEnv.out) : flags.out;
    if (typeof out === 'string') {
      process.stderr.write(`invalid options: K6_OUT: ${out}\n`);
      return EXIT.invalidConfig;
    }
    for (const [kind, file] of Object.entries(out)) {
      if (existsSync(file)) throw new UsageError(`--out ${kind}=${file}: the file exists; refusing to overwrite it`);
    }
    // As k6's config tiers: any of -i, -d, -s on the command line replaces all three from the environment.
    const shortcutFlags = flags.iterations !== undefined || flags.duration !== undefined || flags.stage !== undefined;

    const controller = new AbortController();
    let signals = 0;
    const onSigint = () => {
      signals++;
      if (signals === 1) controller.abort();
      else {
        process.stderr.write('second interrupt: exiting at once\n');
        process.exit(EXIT.externalAbort);
      }
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    try {
      const result = await runTest(script, {
        env: flags.env,
        noSystemEnv: !flags.includeSystemEnvVars || fromEnv.includeSystemEnvVars === false,
        vus: flags.vus ?? fromEnv.vus,
        iterations: shortcutFlags ? flags.iterations : fromEnv.iterations,
        durationMs: shortcutFlags ? flags.duration : fromEnv.durationMs,
        quiet: flags.quiet,
        summaryExport: flags.summaryExport ?? fromEnv.summaryExport,
        jsonOut: out.json,
        csvOut: out.csv,
        noSummary: !flags.summary,
        summaryTrendStats: flags.summaryTrendStats,
        tags: flags.tag,
        stages: shortcutFlags ? flags.stage : fromEnv.stages,
        verbose: flags.verbose,
        httpDebug: flags.httpDebugFull ? 'full' : flags.httpDebug ? 'headers' : undefined,
        noThresholds: !flags.thresholds || fromEnv.noThresholds === true,
        rps: flags.rps,
        syncVus: flags.syncVus,
        envOptions: fromEnv.options,
        configOptions,
        insecureSkipTLSVerify: flags.insecureSkipTlsVerify,
        signal: controller.signal,
        executionSegment: flags.executionSegment,
        executionSegmentSequence: flags.executionSegmentSequence,
        workers: flags.workers,
        progress: flags.progress === 'ndjson' ? (p) => process.stderr.write(`${JSON.stringify({ progress: p })}\n`) : undefined,
      });
      // The run's own error log ends with it: a rejection or timer firing after the summary is
      // logged the same way and keeps the exit code.
      logLateErrors((text) => void process.stderr.write(text), () => performance.now());
      return result.exitCode;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  });
  // Iterations interrupted after gracefulStop may still hold timers and sockets, and so may a run
  // that ended on an internal error: do not wait for them.
  setTimeout(() => process.exit(code), 1000).unref();
  return code;
}

export { parseCommandArgs };
