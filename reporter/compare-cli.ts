// `llmux-bench compare a.json b.json [...]`: table, markdown, JSON or HTML; regression gates.
// Exit codes: 0 ok, 1 a --fail-on gate failed, 2 usage error, unreadable input, an --out that cannot
// be written, or (with --strict) any warning: runs whose settings differ, a saturated rig, a partial
// run, an error rate above --max-error-rate, a warm-up that never stabilised.
import { z } from 'zod';
import { runCommand, UsageError, validateFlags, zNumber, type CommandSpec } from '../lib/cli.ts';
import { compareResults, DEFAULT_MAX_ERROR_RATE, type CompareInput, type Comparison } from './compare.ts';
import { parseGates, type Gate } from './gates.ts';
import { renderHtml } from './html.ts';
import { readPoints, type PointSeries } from './points.ts';
import { InputFileError, loadResult } from './read.ts';
import { renderJson, renderMarkdown, renderTable } from './render.ts';
import { FileExistsError, OutputError, writeFileAtomic } from './write.ts';

export const compareSpec: CommandSpec = {
  name: 'compare',
  summary:
    'Compare LLMux result files (old Go-runner results and new ones; k6 summaries are converted on the fly).\n' +
    'Δ and ratio are the last run against the reference: the --baseline result when given, else the first run.',
  positionals: '<a.json> [b.json ...]',
  flags: {
    format: { type: 'string', value: 'FMT', default: 'table', description: 'table | md | json | html' },
    baseline: { type: 'string', value: 'FILE', description: 'reference result (e.g. direct-to-mock): overhead rows and gates are measured against it' },
    failOn: { type: 'string', value: 'GATES', description: 'regression gates, e.g. "p99:+10%,rps:-5%,error_rate:+0.5pp,ttft_p95:+5ms"; a failed gate exits 1' },
    strict: {
      type: 'boolean',
      description:
        'any warning is an error (exit 2, no report): runs with different scenario, concurrency, requests, duration, load, mock settings, pinning or timing source; a saturated rig; a partial run; an error rate above --max-error-rate; a warm-up that never stabilised',
    },
    maxErrorRate: {
      type: 'string',
      value: 'R',
      default: String(DEFAULT_MAX_ERROR_RATE),
      description: 'a run failing more than this share of its requests (0..1) is never marked best, gets no better/worse verdict and no latency gate, and is warned about',
    },
    out: { type: 'string', value: 'FILE', description: 'write the report to FILE (atomic) instead of stdout' },
    force: { type: 'boolean', description: 'let --out replace an existing file' },
    points: { type: 'string', value: 'FILE', multiple: true, description: 'k6 --out json NDJSON (.gz ok) of each run, in order, for HTML time series' },
    title: { type: 'string', value: 'TEXT', description: 'title of the HTML or markdown report' },
  },
  epilog: [
    'Gates: metric:[+|-]N[unit], comma-separated. +N fails when the metric rose by more than N, -N when it fell',
    'by more than N (no sign: the worse direction). Units: % relative, pp percentage points (rates), ns/us/ms/s',
    '(latencies), MB/MiB (memory). Metrics: p50 p90 p95 p99 mean max rps error_rate failed ttft_p50 ttft_p95',
    'ttft_p99 itl_p50 itl_p99 tps memory_peak memory_avg cpu_avg cpu_peak overhead_p50 overhead_p95 overhead_p99.',
    'A gate whose metric was not measured in one of the two runs fails, and so does a gate other than',
    'error_rate/failed on a run above --max-error-rate.',
    'Exit codes: 0 ok; 1 a gate failed; 2 usage error, unreadable input, unwritable --out, or --strict and a warning.',
  ].join('\n'),
};

const FlagsSchema = z.object({
  format: z.enum(['table', 'md', 'json', 'html'], { message: 'expected table, md, json or html' }),
  baseline: z.string().min(1).optional(),
  failOn: z.string().optional(),
  strict: z.boolean().optional(),
  maxErrorRate: zNumber((n) => n.min(0).max(1)),
  out: z.string().min(1).optional(),
  force: z.boolean().optional(),
  points: z.array(z.string().min(1)).optional(),
  title: z.string().optional(),
});

export function main(argv: string[]): Promise<number> {
  return runCommand(compareSpec, argv, async (args) => {
    const flags = validateFlags(FlagsSchema, args);
    if (args.positionals.length === 0) throw new UsageError('give at least one result file to compare');
    let gates: Gate[] = [];
    if (flags.failOn !== undefined) {
      try {
        gates = parseGates(flags.failOn);
      } catch (error) {
        throw new UsageError(`--fail-on: ${(error as Error).message}`);
      }
    }
    if (flags.points && flags.points.length > args.positionals.length) {
      throw new UsageError(`--points: ${flags.points.length} files for ${args.positionals.length} runs (give one per run, in order)`);
    }

    let comparison: Comparison;
    let series: (PointSeries | null)[] = [];
    try {
      const inputs: CompareInput[] = [];
      for (const file of args.positionals) inputs.push({ result: (await loadResult(file)).result, file });
      const baseline = flags.baseline ? { result: (await loadResult(flags.baseline)).result, file: flags.baseline } : undefined;
      comparison = compareResults(inputs, { baseline, failOn: gates, strict: flags.strict, maxErrorRate: flags.maxErrorRate });
      if (flags.format === 'html') series = await loadSeries(comparison, flags.points ?? [], Boolean(baseline));
    } catch (error) {
      if (error instanceof InputFileError) {
        process.stderr.write(`llmux-bench compare: ${error.message}\n`);
        return 2;
      }
      throw error;
    }

    if (flags.strict && comparison.warnings.length > 0) {
      for (const warning of comparison.warnings) process.stderr.write(`llmux-bench compare: ${warning.replace(/: the diff may mislead$/, '')} (--strict)\n`);
      return 2;
    }

    const text =
      flags.format === 'table' ? renderTable(comparison)
      : flags.format === 'md' ? (flags.title ? `## ${flags.title}\n\n` : '') + renderMarkdown(comparison)
      : flags.format === 'json' ? renderJson(comparison)
      : renderHtml(comparison, { series, title: flags.title });

    if (flags.out) {
      try {
        await writeFileAtomic(flags.out, text, flags.force);
      } catch (error) {
        if (error instanceof FileExistsError) throw new UsageError(`--out: ${error.message}`);
        // Exit 1 means a failed gate: a file that cannot be written is exit 2.
        if (error instanceof OutputError) {
          process.stderr.write(`llmux-bench compare: --out: ${error.message}\n`);
          return 2;
        }
        throw error;
      }
      process.stderr.write(`wrote ${flags.out}\n`);
    } else {
      process.stdout.write(text);
    }
    // Table and markdown carry warnings and gate lines in their footer; say them on stderr otherwise.
    if (flags.out || flags.format === 'json' || flags.format === 'html') {
      for (const warning of comparison.warnings) process.stderr.write(`warning: ${warning}\n`);
      for (const gate of comparison.gates) if (!gate.ok) process.stderr.write(`regression: ${gate.message}\n`);
    }
    return comparison.ok ? 0 : 1;
  });
}

/** NDJSON points per column: --points files in run order, else each result's points_file. */
async function loadSeries(comparison: Comparison, files: string[], hasBaseline: boolean): Promise<(PointSeries | null)[]> {
  const offset = hasBaseline ? 1 : 0;
  const out: (PointSeries | null)[] = [];
  for (let i = 0; i < comparison.results.length; i++) {
    const file = (i >= offset ? files[i - offset] : undefined) ?? comparison.results[i].points_file ?? null;
    if (!file) {
      out.push(null);
      continue;
    }
    try {
      out.push(await readPoints(file));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputFileError(`${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
  }
  return out;
}
