import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SelectedEngine } from './engine-select.ts';
import { k6SseSupport, scenarioBundleName, versionListsSse, type SseProbeDeps } from './sse-support.ts';

const k6 = (version: string, bin = '/usr/bin/k6'): SelectedEngine => ({ kind: 'k6', command: [bin], version });
const embedded: SelectedEngine = { kind: 'embedded', command: ['node', 'bin', 'engine'], version: '0.1.0' };

/** Deps that record what was asked. */
function deps(versionOutput: string, probeCode: number | null): SseProbeDeps & { probes: number } {
  const d = {
    probes: 0,
    versionOutput: async () => versionOutput,
    probeRun: async () => {
      d.probes++;
      return probeCode;
    },
  };
  return d;
}

const XK6_VERSION = 'k6 v1.3.0 (commit/devel, go1.24.5, linux/amd64)\nExtensions:\n  github.com/phymbert/xk6-sse v0.1.12, k6/x/sse [js]\n';

describe('which bundle --scenario streaming runs', () => {
  it('reads an xk6 build’s extension list from `k6 version`', () => {
    expect(versionListsSse(XK6_VERSION)).toBe(true);
    expect(versionListsSse('k6 v1.3.0 (commit/abc, go1.24.5, linux/amd64)\n')).toBe(false);
    expect(versionListsSse('Extensions:\n  github.com/x/xk6-ssex v1, k6/x/ssex [js]\n')).toBe(false);
  });

  it('embedded engine: always the SSE bundle, nothing probed', async () => {
    const d = deps('', 1);
    expect(await scenarioBundleName('streaming', embedded, d)).toEqual({ bundle: 'streaming-sse', note: null });
    expect(d.probes).toBe(0);
  });

  it('k6 built with xk6-sse: the SSE bundle without a probe run', async () => {
    const d = deps(XK6_VERSION, 1);
    expect(await scenarioBundleName('streaming', k6('v0.55.0'), d)).toEqual({ bundle: 'streaming-sse', note: null });
    expect(d.probes).toBe(0);
  });

  it('k6 >= 1.2 without it: a probe run decides (automatic extension resolution)', async () => {
    expect((await scenarioBundleName('streaming', k6('v1.2.0'), deps('k6 v1.2.0', 0))).bundle).toBe('streaming-sse');
    const offline = await scenarioBundleName('streaming', k6('v1.3.0'), deps('k6 v1.3.0', 107));
    expect(offline.bundle).toBe('streaming');
    expect(offline.note).toBe(
      'streaming: k6 v1.3.0 could not load k6/x/sse (probe run exited 107; automatic resolution needs network access); running dist/streaming.js (TTFT = first byte, ITL = one mean per stream). For per-token timing: k6 >= 1.2.0 online, or xk6 build --with github.com/phymbert/xk6-sse (docs/scenarios.md)',
    );
    expect((await k6SseSupport(k6('v1.3.0'), deps('', null))).how).toContain('probe run timed out');
  });

  it('older k6 without it: falls back to streaming.js and says so, no probe', async () => {
    const d = deps('k6 v0.55.2 (go1.23)', 0);
    const r = await scenarioBundleName('streaming', k6('v0.55.2'), d);
    expect(r.bundle).toBe('streaming');
    expect(r.note).toMatch(/^streaming: k6 v0\.55\.2 has no k6\/x\/sse and is older than 1\.2\.0 .*running dist\/streaming\.js/);
    expect(d.probes).toBe(0);
  });

  it('other scenarios keep their bundle', async () => {
    expect(await scenarioBundleName('basic', k6('v0.55.0'), deps('', 1))).toEqual({ bundle: 'basic', note: null });
  });

  describe('with a real executable standing in for k6', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmux-sse-k6-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('runs `version` and the probe script for real', async () => {
      const bin = join(dir, 'k6');
      // Prints a version without extensions; `run` succeeds only when the script imports k6/x/sse.
      writeFileSync(bin, '#!/bin/sh\nif [ "$1" = version ]; then echo "k6 v1.3.0 (go1.24)"; exit 0; fi\nfor a; do last=$a; done\ngrep -q "k6/x/sse" "$last"\n');
      chmodSync(bin, 0o755);
      expect(await k6SseSupport(k6('v1.3.0', bin))).toEqual({ ok: true, how: 'k6 v1.3.0 resolved k6/x/sse (automatic extension resolution)' });
      writeFileSync(bin, '#!/bin/sh\nif [ "$1" = version ]; then echo "k6 v1.3.0 (go1.24)"; exit 0; fi\nexit 107\n');
      expect((await k6SseSupport(k6('v1.3.0', bin))).ok).toBe(false);
    });
  });
});
