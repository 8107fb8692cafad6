// Which bundle `--scenario streaming` runs: dist/streaming-sse.js (each token timed as it arrives,
// through k6/x/sse) wherever the load generator has the xk6-sse extension, else dist/streaming.js
// (k6's buffered timings). The embedded engine always has it; a k6 binary has it when it was built
// with xk6-sse (`k6 version` lists "k6/x/sse") or when it can resolve it itself (k6 >= 1.2 with
// automatic extension resolution and network access), which a one-iteration probe run shows.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compareVersions, type SelectedEngine } from './engine-select.ts';

const run = promisify(execFile);

/** First k6 release that resolves `k6/x/...` imports on its own. */
export const AUTO_EXTENSIONS_K6 = '1.2.0';
const PROBE_TIMEOUT_MS = 120_000;

export interface SseSupport {
  ok: boolean;
  /** How it was decided, for the log line. */
  how: string;
}

/** An xk6 build lists its extensions in `k6 version` ("github.com/phymbert/xk6-sse v0.1.12, k6/x/sse [js]"). */
export function versionListsSse(versionOutput: string): boolean {
  return /(^|\s)k6\/x\/sse\b/m.test(versionOutput);
}

export interface SseProbeDeps {
  versionOutput: (bin: string) => Promise<string>;
  /** Runs a one-iteration script importing k6/x/sse; resolves with the exit code (null on timeout). */
  probeRun: (bin: string) => Promise<number | null>;
}

const defaultDeps: SseProbeDeps = {
  versionOutput: async (bin) => (await run(bin, ['version'], { timeout: 10_000 })).stdout,
  probeRun: async (bin) => {
    const dir = await mkdtemp(join(tmpdir(), 'llmux-sse-probe-'));
    try {
      const script = join(dir, 'sse-probe.js');
      await writeFile(script, "import sse from 'k6/x/sse';\nexport const options = { vus: 1, iterations: 1 };\nexport default function () {\n  if (typeof sse.open !== 'function') throw new Error('k6/x/sse has no open()');\n}\n");
      await run(bin, ['run', '--quiet', '--no-summary', script], { timeout: PROBE_TIMEOUT_MS, env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } });
      return 0;
    } catch (error) {
      const e = error as { code?: number | string; killed?: boolean };
      return e.killed ? null : typeof e.code === 'number' ? e.code : 1;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export async function k6SseSupport(engine: SelectedEngine, deps: SseProbeDeps = defaultDeps): Promise<SseSupport> {
  if (engine.kind === 'embedded') return { ok: true, how: 'built into the embedded engine' };
  const bin = engine.command[0];
  let output = '';
  try {
    output = await deps.versionOutput(bin);
  } catch {
    output = '';
  }
  if (versionListsSse(output)) return { ok: true, how: `${bin} was built with xk6-sse` };
  if (compareVersions(engine.version, AUTO_EXTENSIONS_K6) < 0) {
    return { ok: false, how: `k6 ${engine.version} has no k6/x/sse and is older than ${AUTO_EXTENSIONS_K6} (no automatic extension resolution)` };
  }
  const code = await deps.probeRun(bin);
  if (code === 0) return { ok: true, how: `k6 ${engine.version} resolved k6/x/sse (automatic extension resolution)` };
  return { ok: false, how: `k6 ${engine.version} could not load k6/x/sse (${code === null ? 'probe run timed out' : `probe run exited ${code}`}; automatic resolution needs network access)` };
}

/** The bundle for `scenario` under `engine`: streaming becomes streaming-sse when the extension is there. */
export async function scenarioBundleName(scenario: string, engine: SelectedEngine, deps?: SseProbeDeps): Promise<{ bundle: string; note: string | null }> {
  if (scenario !== 'streaming') return { bundle: scenario, note: null };
  const support = await k6SseSupport(engine, deps);
  if (support.ok) return { bundle: 'streaming-sse', note: null };
  return {
    bundle: 'streaming',
    note: `streaming: ${support.how}; running dist/streaming.js (TTFT = first byte, ITL = one mean per stream). For per-token timing: k6 >= ${AUTO_EXTENSIONS_K6} online, or xk6 build --with github.com/phymbert/xk6-sse (docs/scenarios.md)`,
  };
}
