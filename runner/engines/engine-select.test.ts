import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/cli.ts';
import { compareVersions, describeEngine, findK6, MIN_K6_VERSION, parseK6Version, selectEngine } from './engine-select.ts';
import { loadArgv, runLoad } from './load.ts';
import { makeFakeK6, realK6 as findRealK6, SUMMARY_FIXTURES, type FakeK6 } from '../testdata/fake-k6.ts';

let fake: FakeK6;
beforeEach(() => {
  fake = makeFakeK6();
});
afterEach(() => fake.cleanup());

describe('parseK6Version / compareVersions', () => {
  it('reads the version from the lines k6 versions print', () => {
    expect(parseK6Version('k6 v0.55.2 (commit/4f6d1a9b2c, go1.23.4, linux/amd64)')).toBe('v0.55.2');
    expect(parseK6Version('k6 v1.0.0 (go1.24.1, linux/amd64)\nExtensions:\n  github.com/x/xk6-sse v0.1.9, k6/x/sse [js]')).toBe('v1.0.0');
    expect(parseK6Version('k6 v2.2.0-rc.1 (commit/abc, go1.25.0, darwin/arm64)')).toBe('v2.2.0-rc.1');
    expect(parseK6Version('no version here')).toBeNull();
  });

  it('orders versions numerically, not as text', () => {
    expect(compareVersions('v0.53.0', MIN_K6_VERSION)).toBe(0);
    expect(compareVersions('v0.9.0', 'v0.53.0')).toBeLessThan(0);
    expect(compareVersions('v0.100.0', 'v0.53.0')).toBeGreaterThan(0);
    expect(compareVersions('v1.0.0', 'v0.53.0')).toBeGreaterThan(0);
  });
});

describe('findK6', () => {
  it('finds k6 on PATH, skips non-executable files and honours K6_BIN', () => {
    expect(findK6(fake.env())).toBe(fake.bin);
    expect(findK6(fake.envWithoutK6())).toBeNull();
    const notExecutable = join(fake.root, 'plain');
    mkdirSync(notExecutable);
    writeFileSync(join(notExecutable, 'k6'), '#!/bin/sh\n');
    chmodSync(join(notExecutable, 'k6'), 0o644);
    expect(findK6({ PATH: notExecutable })).toBeNull();
    expect(findK6({ PATH: '', K6_BIN: fake.bin })).toBe(fake.bin);
  });

  it('refuses a K6_BIN that is not an executable file instead of falling back silently', () => {
    expect(() => findK6({ K6_BIN: join(fake.root, 'missing-k6') })).toThrow(/K6_BIN=.*missing-k6: not an executable file/);
    expect(() => findK6({ K6_BIN: fake.root })).toThrow(UsageError);
  });
});

describe('selectEngine', () => {
  it('auto picks k6 from PATH and records its version', async () => {
    const engine = await selectEngine('auto', fake.env());
    expect(engine).toEqual({ kind: 'k6', command: [fake.bin], version: 'v0.55.2' });
    expect(describeEngine(engine)).toBe(`k6 v0.55.2 (${fake.bin})`);
    expect(fake.calls().map((call) => call.argv)).toEqual([['version']]);
  });

  it('auto falls back to the embedded engine when k6 is absent', async () => {
    const engine = await selectEngine('auto', fake.envWithoutK6());
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(engine.kind).toBe('embedded');
    expect(engine.version).toBe(version);
    expect(engine.command).toEqual([process.execPath, expect.stringMatching(/bin[/\\]llmux-bench\.mjs$/), 'engine']);
    expect(fake.calls()).toEqual([]);
  });

  it('embedded never looks for k6', async () => {
    expect((await selectEngine('embedded', fake.env())).kind).toBe('embedded');
    expect(fake.calls()).toEqual([]);
  });

  it('--engine k6 without k6 fails with install hints', async () => {
    await expect(selectEngine('k6', fake.envWithoutK6())).rejects.toThrow(
      /^--engine k6: no k6 binary found in PATH; install k6 \(https:\/\/grafana\.com\/docs\/k6\/latest\/set-up\/install-k6\/\) or point K6_BIN at it, or use --engine embedded$/,
    );
  });

  it('refuses a k6 older than the scenarios need and accepts the oldest that works', async () => {
    await expect(selectEngine('k6', fake.env({ FAKE_K6_VERSION: 'k6 v0.52.0 (commit/x, go1.22.5, linux/amd64)' }))).rejects.toThrow(
      `k6 v0.52.0 at ${fake.bin} is older than 0.53.0, which the scenarios need; upgrade k6 or use --engine embedded`,
    );
    // auto must not silently fall back either: the user has a k6, it is just too old.
    await expect(selectEngine('auto', fake.env({ FAKE_K6_VERSION: 'k6 v0.46.0 (x)' }))).rejects.toThrow(/older than 0\.53\.0/);
    expect((await selectEngine('k6', fake.env({ FAKE_K6_VERSION: 'k6 v0.53.0 (x)' }))).version).toBe('v0.53.0');
    expect((await selectEngine('k6', fake.env({ FAKE_K6_VERSION: 'k6 v2.2.0 (x)' }))).version).toBe('v2.2.0');
  });

  it('says so when `k6 version` prints no version', async () => {
    await expect(selectEngine('k6', fake.env({ FAKE_K6_VERSION: 'something else' }))).rejects.toThrow(/could not read the version from '.*k6 version'/);
  });
});

describe('k6 run through the runner', () => {
  it('spawns `k6 run --quiet -e K=V ... script` exactly and reads the summary k6 wrote', async () => {
    const saved = { ...process.env };
    // runLoad passes its own environment to the child: point the fake at its record and summary.
    Object.assign(process.env, { FAKE_K6_RECORD: fake.record, FAKE_K6_SUMMARY: SUMMARY_FIXTURES });
    try {
      const engine = await selectEngine('k6', fake.env());
      const output = join(fake.work, 'results/');
      const env = { TARGET: 'http://127.0.0.1:9', REQUESTS: '200', CONCURRENCY: '10', NAME: 'k6-run', OUTPUT: output };
      const script = join(fake.work, 'basic.js');
      writeFileSync(script, 'export default function () {}\n');
      const run = await runLoad({ engine, script, env, summaryPath: join(output, 'k6-run.summary.json') });
      const expected = [
        'run', '--quiet',
        '-e', 'TARGET=http://127.0.0.1:9', '-e', 'REQUESTS=200', '-e', 'CONCURRENCY=10', '-e', 'NAME=k6-run', '-e', `OUTPUT=${output}`,
        script,
      ];
      expect(loadArgv(engine, script, env)).toEqual([fake.bin, ...expected]);
      expect(fake.calls().map((call) => call.argv)).toEqual([['version'], expected]);
      expect(run.exitCode).toBe(0);
      expect((run.summary as { llmux: { name: string; target: string } }).llmux).toMatchObject({ name: 'k6-run', target: 'http://127.0.0.1:9' });
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

const realK6 = findRealK6();
if (!realK6) console.warn('real-k6 engine selection test skipped: no k6 in K6_BIN or PATH');

describe.skipIf(!realK6)('with the k6 installed here', () => {
  it('auto selects it and its version passes the gate', async () => {
    const engine = await selectEngine('auto', process.env);
    expect(engine.kind).toBe('k6');
    expect(engine.command).toEqual([realK6]);
    expect(compareVersions(engine.version, MIN_K6_VERSION)).toBeGreaterThanOrEqual(0);
  });
});
