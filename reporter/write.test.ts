import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from './schema.ts';
import { FileExistsError, resultFileBase, sanitizeName, writeFileAtomic, writeResultFile } from './write.ts';

const base: Result = {
  name: 'llmux', target: 'http://localhost:3000',
  start_time: '2026-11-28T07:04:05.987654321+01:00', end_time: '2026-11-28T07:04:10Z',
  duration: 5_000_000_000, requests: 10, concurrency: 2, total_requests: 10, success_requests: 10, failed_requests: 0, rps: 2,
  latency_min: 1, latency_max: 5, latency_mean: 3, latency_p50: 3, latency_p95: 5, latency_p99: 5,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'llmux-write-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('result file names', () => {
  it('stamps the start time in UTC', () => {
    expect(resultFileBase(base)).toBe('llmux_20261128_060405');
    expect(resultFileBase({ name: 'x', start_time: null }, new Date('2026-01-02T03:04:05Z'))).toBe('x_20260102_030405');
  });
  it('sanitises names for file systems', () => {
    expect(sanitizeName('my proxy/v2: "fast"')).toBe('my-proxy-v2-fast');
    expect(sanitizeName('../../etc/passwd')).toBe('etc-passwd');
    expect(sanitizeName('...')).toBe('benchmark');
    expect(sanitizeName('café')).toBe('cafe');
    expect(sanitizeName('a'.repeat(300))).toHaveLength(100);
  });
});

describe('writeResultFile', () => {
  it('creates the directory, writes valid JSON and never overwrites', async () => {
    const out = path.join(dir, 'nested', 'results');
    const first = await writeResultFile(base, out);
    const second = await writeResultFile({ ...base, rps: 3 }, out);
    const third = await writeResultFile(base, out);
    expect(path.basename(first)).toBe('llmux_20261128_060405.json');
    expect(path.basename(second)).toBe('llmux_20261128_060405_2.json');
    expect(path.basename(third)).toBe('llmux_20261128_060405_3.json');
    expect(JSON.parse(await readFile(first, 'utf8')).rps).toBe(2);
    expect(JSON.parse(await readFile(second, 'utf8')).rps).toBe(3);
    expect((await readdir(out)).sort()).toEqual(['llmux_20261128_060405.json', 'llmux_20261128_060405_2.json', 'llmux_20261128_060405_3.json']);
  });
  it('gives concurrent writers distinct files', async () => {
    const paths = await Promise.all(Array.from({ length: 8 }, () => writeResultFile(base, dir)));
    expect(new Set(paths).size).toBe(8);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
  it('refuses an invalid result', async () => {
    await expect(writeResultFile({ ...base, duration: 1.5 }, dir)).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('writeFileAtomic', () => {
  it('refuses to replace a file unless forced', async () => {
    const file = path.join(dir, 'report.html');
    await writeFile(file, 'old');
    await expect(writeFileAtomic(file, 'new')).rejects.toBeInstanceOf(FileExistsError);
    expect(await readFile(file, 'utf8')).toBe('old');
    await writeFileAtomic(file, 'new', true);
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['report.html']);
  });
});
