import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coefficientOfVariation, medianRun, redactor } from '../bench.ts';
import type { Environment } from './environment.ts';
import { startMockServer } from '../../mock/server.ts';
import { calibrationFor, calibrationPath, fetchMockStats, judgeRig, mockServerErrors, mockWorkers, modelRequests, openModelShortfall, readCalibration, saveCalibration, type CalibrationEntry } from './rig.ts';

const base = { mockCpuPeak: 20, loadgenCpuPeak: 30, mockErrors: 0, achievedRps: 500, loadgenCores: 1, calibration: null };
const entry: CalibrationEntry = {
  engine: 'embedded',
  engine_version: '0.1.0',
  scenario: 'basic',
  concurrency: 64,
  duration_s: 5,
  rps: 4000,
  mock_cpu_peak_percent: 80,
  loadgen_cpu_peak_percent: 100,
  measured_at: '2026-11-28T06:00:00Z',
};
const env: Environment = { cpu_model: 'Test CPU', cores: 2, os: 'linux 6', node: 'v20', k6: null, pinning: null };

describe('judgeRig', () => {
  it('passes a rig with headroom', () => {
    expect(judgeRig(base)).toEqual({ saturated: false, reasons: [] });
  });

  it('flags a mock or load generator near a full core, naming which', () => {
    const mock = judgeRig({ ...base, mockCpuPeak: 95 });
    expect(mock.saturated).toBe(true);
    expect(mock.reasons).toEqual(['the mock CPU peaked at 95%, near a full core']);
    expect(judgeRig({ ...base, loadgenCpuPeak: 91 }).reasons[0]).toMatch(/^the load generator CPU peaked at 91%/);
    // k6 uses every core: 150% of one core is not saturation on 2 cores, 185% is.
    expect(judgeRig({ ...base, loadgenCpuPeak: 150, loadgenCores: 2 }).saturated).toBe(false);
    expect(judgeRig({ ...base, loadgenCpuPeak: 185, loadgenCores: 2 }).reasons[0]).toMatch(/near 2 full cores/);
  });

  it('flags a machine whose every core was busy (the rig waited for CPU)', () => {
    expect(judgeRig({ ...base, machineBusyAvg: 95, cores: 2 }).reasons).toEqual([
      "the machine's 2 cores were 95% busy on average: target, mock and load generator competed for CPU",
    ]);
    expect(judgeRig({ ...base, machineBusyAvg: 70, cores: 2 }).saturated).toBe(false);
  });

  it('flags errors the mock returned on its own', () => {
    expect(judgeRig({ ...base, mockErrors: 3 }).reasons).toEqual(['the mock itself answered 3 request(s) with 5xx errors it was not told to inject']);
  });

  it('uses calibrated ceilings: CPU and the rig RPS ceiling', () => {
    const calibrated = { ...base, calibration: entry };
    expect(judgeRig({ ...calibrated, mockCpuPeak: 73 }).reasons[0]).toMatch(/near its calibrated ceiling of 80%/);
    expect(judgeRig({ ...calibrated, mockCpuPeak: 70 }).saturated).toBe(false);
    expect(judgeRig({ ...calibrated, achievedRps: 3300 }).reasons[0]).toMatch(/83% of the rig's own ceiling \(4000 rps/);
  });
});

describe('openModelShortfall', () => {
  const load = { model: 'open' as const, offered_rps: 100, achieved_rps: 97, dropped_iterations: 0, warmup_seconds: 0 };
  it('passes an open-model run that kept the offered rate', () => {
    expect(openModelShortfall(load)).toBeNull();
    expect(openModelShortfall({ ...load, model: 'closed', offered_rps: null, achieved_rps: 10 })).toBeNull();
    expect(openModelShortfall(null)).toBeNull();
  });
  it('warns below 95% of the offered rate or with any dropped iteration', () => {
    expect(openModelShortfall({ ...load, achieved_rps: 80, dropped_iterations: 40 })).toBe(
      'open model fell behind: achieved 80.00/s of the offered 100.00/s (80%), 40 iterations dropped; raise --max-vus, or the target cannot take this rate',
    );
    expect(openModelShortfall({ ...load, achieved_rps: 99, dropped_iterations: 1 })).toContain('(99%), 1 iteration dropped;');
    expect(openModelShortfall({ ...load, achieved_rps: 94 })).toContain('(94%), 0 iterations dropped;');
  });
});

describe('mockServerErrors', () => {
  it('counts new 5xx answers minus the injected ones', () => {
    const before = { errors_injected: 1, by_route: { 'POST /v1/chat/completions 200': 10, 'POST /v1/chat/completions 500': 1 } };
    const after = { errors_injected: 3, by_route: { 'POST /v1/chat/completions 200': 50, 'POST /v1/chat/completions 500': 4, 'POST /v1/chat/completions 503': 1, 'GET /health 200': 2 } };
    expect(mockServerErrors(before, after)).toBe(2);
    expect(mockServerErrors(null, after)).toBe(0);
    expect(modelRequests(after)).toBe(55);
    expect(modelRequests({ requests_total: 7 })).toBe(7);
    expect(modelRequests(null)).toBeNull();
  });
});

describe('mock workers', () => {
  it('a mock with --workers 2 is near its ceiling at 180% CPU, not 90%', () => {
    expect(mockWorkers(['--port', '0', '--workers', '2'], {})).toBe(2);
    expect(mockWorkers(['--workers=3'], { MOCK_WORKERS: '2' })).toBe(3);
    expect(mockWorkers([], { MOCK_WORKERS: '4' })).toBe(4);
    expect(mockWorkers(['--port', '0'], {})).toBe(1);
    expect(judgeRig({ ...base, mockCpuPeak: 120, mockCores: 2 }).saturated).toBe(false);
    expect(judgeRig({ ...base, mockCpuPeak: 185, mockCores: 2 }).reasons).toEqual(['the mock CPU peaked at 185%, near 2 full cores']);
  });
});

describe('mockServerErrors against the real mock', () => {
  it('client faults (cut uploads, streams left unread, a body nested too deep) are not mock failures; injected 500s are not either', async () => {
    const mock = await startMockServer({ port: 0, latencyMs: 0, itlMs: 1 });
    try {
      const before = await fetchMockStats(mock.url);
      const raw = (text: string, closeAfterMs: number) =>
        new Promise<void>((resolve) => {
          const socket = net.connect(mock.port, '127.0.0.1', () => {
            socket.write(text);
            setTimeout(() => socket.destroy(), closeAfterMs);
          });
          socket.on('error', () => {});
          socket.on('close', () => resolve());
        });
      const body = '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true}';
      await Promise.all([
        // chunked upload cut mid-body, and one with a Content-Length
        raw('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"mod\r\n', 100),
        raw('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"mod', 100),
        // a stream whose client reads nothing and leaves mid-answer
        raw(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nx-mock-tokens: 5000\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 200),
      ]);
      let deep = '"x"';
      for (let i = 0; i < 100_000; i++) deep = `[{"type":"t","content":${deep}}]`;
      const res = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', body: `{"model":"m","messages":[{"role":"user","content":${deep}}]}` });
      expect(res.status).toBe(400);
      const injected = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-mock-error': '500' }, body: '{"model":"m","messages":[{"role":"user","content":"hi"}]}' });
      expect(injected.status).toBe(500);
      for (let i = 0; i < 100 && mock.app.runtime.stats.clientDisconnects < 3; i++) await new Promise((r) => setTimeout(r, 20));
      const after = await fetchMockStats(mock.url);
      expect(after).toMatchObject({ client_disconnects: 3, errors_injected: 1 });
      expect(mockServerErrors(before, after)).toBe(0);
      expect(judgeRig({ ...base, mockErrors: mockServerErrors(before, after) })).toEqual({ saturated: false, reasons: [] });
    } finally {
      await mock.close();
    }
  });
});

describe('calibration file', () => {
  it('round-trips and applies only to the same machine, engine and scenario family', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rig-'));
    try {
      const path = calibrationPath(dir);
      expect(await readCalibration(path)).toBeNull();
      await saveCalibration(path, env, [entry, { ...entry, scenario: 'streaming', rps: 900 }]);
      const saved = await readCalibration(path);
      expect(JSON.parse(await readFile(path, 'utf8')).entries['embedded:basic'].rps).toBe(4000);
      expect(calibrationFor(saved, env, 'embedded', 'basic')?.rps).toBe(4000);
      expect(calibrationFor(saved, env, 'embedded', 'concurrency')?.rps).toBe(4000);
      expect(calibrationFor(saved, env, 'embedded', 'streaming')?.rps).toBe(900);
      expect(calibrationFor(saved, env, 'k6', 'basic')).toBeNull();
      expect(calibrationFor(saved, { ...env, cores: 8 }, 'embedded', 'basic')).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('repeat statistics', () => {
  it('picks the median run by rps and computes the coefficient of variation', () => {
    const runs = [300, 100, 200].map((rps) => ({ draft: { rps } }));
    expect(medianRun(runs).draft.rps).toBe(200);
    expect(medianRun(runs.slice(0, 2)).draft.rps).toBe(100);
    expect(coefficientOfVariation([100, 200, 300])).toBeCloseTo(0.5, 6);
    expect(coefficientOfVariation([100])).toBeNull();
  });
});

describe('redactor', () => {
  it('hides the API key and header values in child output', () => {
    const redact = redactor({ apiKey: 'sk-secret-123', headers: { 'X-Team': 'team-token-9' } });
    expect(redact('bad key sk-secret-123 and team-token-9!')).toBe('bad key *** and ***!');
  });
});
