// `llmux-bench report <file>`: a k6 summary (or an LLMux result) → an LLMux result file;
// `llmux-bench report --merge <points>...`: the k6 NDJSON points of one run (whole or split) → one.
import { access, constants, stat } from 'node:fs/promises';
import { z } from 'zod';
import { runCommand, UsageError, validateFlags, type CommandSpec } from '../lib/cli.ts';
import path from 'node:path';
import { compareResults } from './compare.ts';
import { renderHtml } from './html.ts';
import { loadMergedResult } from './merge-points.ts';
import { pointsWarning, readPoints } from './points.ts';
import { InputFileError, loadResult } from './read.ts';
import { FileExistsError, OutputError, writeFileAtomic, writeResultFile } from './write.ts';

export const reportSpec: CommandSpec = {
  name: 'report',
  summary:
    'Convert a k6 end-of-test summary (handleSummary data, --summary-export, machine-readable summary) or an\n' +
    'LLMux result into an LLMux result file <output>/<name>_<YYYYMMDD_HHMMSS>.json (UTC, from start_time).\n' +
    'With --merge, the inputs are the k6 --out json points of one run, or of one test split over machines\n' +
    'with --execution-segment: they make one result, as if one run had produced every point.',
  positionals: '<file> | --merge <points.ndjson[.gz]>...',
  flags: {
    name: { type: 'string', value: 'NAME', description: 'result name (default: the summary\'s llmux.name, else "benchmark")' },
    output: { type: 'string', value: 'DIR', default: 'results/', description: 'directory for the result file' },
    target: { type: 'string', value: 'URL', description: 'target URL to record (default: the summary\'s llmux.target)' },
    scenario: { type: 'string', value: 'NAME', description: 'scenario to record (default: the summary\'s llmux.scenario)' },
    engine: { type: 'string', value: 'KIND', description: 'load generator of the run: k6 or embedded (default: from the input when it says, else none)' },
    engineVersion: { type: 'string', value: 'VERSION', description: 'its version (needs --engine)' },
    merge: { type: 'boolean', description: 'the inputs are k6 --out json NDJSON files (.gz ok) of one run or of its --execution-segment parts: merge them into one result' },
    points: { type: 'string', value: 'FILE', description: 'k6 --out json NDJSON file of the run, recorded for HTML time series' },
    html: { type: 'string', value: 'FILE', description: 'also write a self-contained HTML report of the run to FILE (never replaces a file)' },
    quiet: { type: 'boolean', short: 'q', description: 'do not print warnings' },
  },
  epilog: 'Prints the path written on stdout and what could not be measured on stderr. Never overwrites a file.',
};

const FlagsSchema = z.object({
  name: z.string().min(1, 'expected a non-empty name').optional(),
  output: z.string().min(1),
  target: z.string().optional(),
  scenario: z.string().min(1).optional(),
  engine: z.enum(['k6', 'embedded'], { message: 'expected k6 or embedded' }).optional(),
  engineVersion: z.string().min(1, 'expected a non-empty version').optional(),
  merge: z.boolean().optional(),
  points: z.string().optional(),
  html: z.string().min(1).optional(),
  quiet: z.boolean().optional(),
});

export function main(argv: string[]): Promise<number> {
  return runCommand(reportSpec, argv, async (args) => {
    const flags = validateFlags(FlagsSchema, args);
    const files = args.positionals;
    if (flags.merge) checkMergeInputs(files, flags.points);
    else if (files.length !== 1) throw new UsageError(files.length ? `expected one input file, got ${files.length} (several NDJSON points files need --merge)` : 'missing the input <file>');
    const file = files[0];
    if (flags.engineVersion !== undefined && flags.engine === undefined) throw new UsageError('--engine-version needs --engine');
    try {
      // The result records the points file for later HTML reports: it must be there now.
      if (flags.points !== undefined) await checkReadableFile(flags.points, '--points');
      const meta = {
        ...(flags.name !== undefined && { name: flags.name }),
        ...(flags.target !== undefined && { target: flags.target }),
        ...(flags.scenario !== undefined && { scenario: flags.scenario }),
        ...(flags.points !== undefined && { points_file: flags.points }),
        ...(flags.engine !== undefined && { engine: { name: flags.engine, version: flags.engineVersion ?? null } }),
      };
      const { result, warnings } = flags.merge ? await loadMergedResult(files, meta) : await loadResult(file, meta);
      if (flags.points !== undefined) result.points_file = flags.points;
      // One merged file is the run's own points: its time series go into the HTML report too.
      const pointsFile = flags.points ?? (flags.merge && files.length === 1 ? files[0] : undefined);
      // The HTML report first: when its file exists, nothing is written at all.
      if (flags.html !== undefined) {
        const series = pointsFile !== undefined ? await readPointsFile(pointsFile) : null;
        const unreadable = series && pointsWarning(series);
        if (unreadable && !flags.quiet) process.stderr.write(`warning: ${unreadable}\n`);
        const html = renderHtml(compareResults([{ result, file }]), { series: [series] });
        try {
          await writeFileAtomic(flags.html, html);
        } catch (error) {
          if (error instanceof FileExistsError) throw new UsageError(`--html: ${flags.html} exists`);
          if (error instanceof OutputError) throw new InputFileError(`--html: ${error.message}`);
          throw error;
        }
        process.stderr.write(`wrote ${flags.html}\n`);
      }
      let written: string;
      try {
        written = await writeResultFile(result, flags.output);
      } catch (error) {
        if (error instanceof OutputError) throw new InputFileError(`--output: ${error.message}`);
        throw error;
      }
      if (!flags.quiet) for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(`${written}\n`);
      return 0;
    } catch (error) {
      if (error instanceof InputFileError) {
        process.stderr.write(`llmux-bench report: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  });
}

/** --merge takes one or more distinct points files, and they are the points: no --points. */
function checkMergeInputs(files: string[], points: string | undefined): void {
  if (files.length === 0) throw new UsageError('--merge needs the NDJSON points files of the run');
  if (points !== undefined) throw new UsageError('--merge reads the points from its input files; --points does not apply');
  const seen = new Set<string>();
  for (const f of files) {
    const key = path.resolve(f);
    if (seen.has(key)) throw new UsageError(`--merge: ${f} given twice`);
    seen.add(key);
  }
}

async function checkReadableFile(file: string, flag: string): Promise<void> {
  let reason: string | null = null;
  try {
    if ((await stat(file)).isDirectory()) reason = 'is a directory';
    else await access(file, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
  }
  if (reason) throw new InputFileError(`${flag}: ${file}: ${reason}`);
}

async function readPointsFile(file: string) {
  try {
    return await readPoints(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(`${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}
