// `llmux-bench parity` (`npm run parity`): flags, validation, then runner/parity/parity.ts.
import { join } from 'node:path';
import { z } from 'zod';
import { runCommand, validateFlags, zDurationMs, zNumber, type CommandSpec } from '../../lib/cli.ts';
import { ENV_FLAGS, envFlagsSchema, EXTRA_ENV_FLAG, scenarioEnv, SCENARIOS } from '../engines/k6-env.ts';
import { defaultParityDeps, parityCommand, type ParityDeps } from './parity.ts';

const { endpoint, model, requests, concurrency, duration, rate, maxVus, warmup, maxTokens, prompt } = ENV_FLAGS;

export const paritySpec: CommandSpec = {
  name: 'parity',
  summary:
    'Run one scenario under real k6 and under the embedded engine, same load against the same mock, and print the differences ' +
    'of the main statistics with a verdict. Without k6 installed it says so and exits 0.',
  flags: {
    scenario: { type: 'string', value: 'NAME', default: 'basic', description: `scenario: ${SCENARIOS.join(', ')}` },
    script: { type: 'string', value: 'FILE', description: 'run this bundle instead of dist/<scenario>.js (no build)' },
    endpoint,
    model,
    requests: { ...requests, default: '1000', description: 'requests per run' },
    concurrency: { ...concurrency, default: '20', description: 'concurrent VUs per run' },
    duration,
    rate,
    maxVus,
    warmup,
    maxTokens,
    prompt,
    name: { type: 'string', value: 'NAME', default: 'parity', description: 'run name: summaries <output>/<name>_<UTC stamp>/<name>-k6|embedded.summary.json' },
    output: { type: 'string', value: 'DIR', default: 'results/', description: 'folder for the run folder' },
    mockLatency: { type: 'string', value: 'DUR', default: '50ms', description: 'mock time to first token' },
    mockItl: { type: 'string', value: 'DUR', default: '10ms', description: 'mock inter-token latency' },
    mockTokens: { type: 'string', value: 'N', default: '20', description: 'mock output tokens per answer' },
    mockArg: { type: 'string', multiple: true, value: 'FLAGS', description: 'other mock flags, e.g. --mock-arg="--error-rate 0.01"' },
    tolerance: { type: 'string', value: 'PCT', default: '15', description: 'allowed difference in percent of the k6 value (rps, latencies)' },
    toleranceMs: { type: 'string', value: 'MS', default: '5', description: 'a latency difference up to this many ms is always fine' },
    toleranceErrorRate: { type: 'string', value: 'X', default: '0.01', description: 'allowed error-rate difference (0.01 = 1 percentage point)' },
    env: EXTRA_ENV_FLAG.env,
  },
  epilog: [
    'Exit codes: 0 within tolerance (or k6 not installed), 1 a statistic outside tolerance or a run without summary, 2 bad flags.',
    'Examples:',
    '  npm run parity',
    '  npm run parity -- --scenario streaming --requests 500 --concurrency 10',
  ].join('\n'),
};

const schema = envFlagsSchema
  .omit({ target: true, apiKey: true, header: true })
  .extend({
    scenario: z.enum(SCENARIOS, { error: `expected one of ${SCENARIOS.join(', ')}` }),
    script: z.string().min(1).optional(),
    mockLatency: zDurationMs('ms'),
    mockItl: zDurationMs('ms'),
    mockTokens: zNumber((n) => n.int().min(1)),
    mockArg: z.array(z.string()).optional(),
    tolerance: zNumber((n) => n.min(0)),
    toleranceMs: zNumber((n) => n.min(0)),
    toleranceErrorRate: zNumber((n) => n.min(0).max(1)),
  });

/** UTC stamp as in result file names: YYYYMMDD_HHMMSS. */
const stamp = (date = new Date()): string => date.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);

export async function parityMain(argv: string[], deps: ParityDeps = defaultParityDeps()): Promise<number> {
  return runCommand(
    paritySpec,
    argv,
    async (parsed) => {
      const flags = validateFlags(schema, parsed);
      // TARGET, NAME and OUTPUT are set per run by parity itself.
      const env = scenarioEnv(flags).filter(([key]) => !['TARGET', 'NAME', 'OUTPUT'].includes(key));
      const mockArgs = [
        '--latency', `${flags.mockLatency}ms`,
        '--itl', `${flags.mockItl}ms`,
        '--tokens', String(flags.mockTokens),
        ...(flags.mockArg ?? []).flatMap((extra) => extra.trim().split(/\s+/).filter(Boolean)),
      ];
      return parityCommand(
        {
          scenario: flags.scenario,
          script: flags.script,
          env,
          mockArgs,
          name: flags.name,
          outputDir: join(flags.output, `${flags.name}_${stamp()}`),
          tolerancePct: flags.tolerance,
          toleranceMs: flags.toleranceMs,
          toleranceErrorRate: flags.toleranceErrorRate,
          byCount: !flags.duration || zDurationMs('s').parse(flags.duration) === 0,
        },
        deps,
      );
    },
    deps.env,
  );
}

export const main = (argv: string[]): Promise<number> => parityMain(argv);
