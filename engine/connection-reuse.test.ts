import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runEngine } from './test-helpers.ts';

const SYNC = join(ROOT, 'engine/testdata/sync');
let server: Server;
let url = '';
let connections = 0;
let connectionHeaders: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    connectionHeaders.push(req.headers.connection ?? '');
    res.end('ok');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
/** Runs `script` against a server that counts its connections afresh. */
async function run(script: string, env: Record<string, string>): Promise<void> {
  connections = 0;
  connectionHeaders = [];
  const r = await runEngine(['run', '-q', '--no-summary', '-e', `TARGET=${url}`, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), join(SYNC, script)], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toContain('is not supported');
}

describe('connection reuse options', () => {
  it.each(['reuse-async.js', 'reuse.js'])('%s: one VU keeps one connection; noConnectionReuse opens one per request and asks the server to close it', async (script) => {
    await run(script, {});
    expect(connections).toBe(1);
    expect(connectionHeaders).toEqual(Array(6).fill('keep-alive'));
    await run(script, { NCR: '1' });
    expect(connections).toBe(6);
    expect(connectionHeaders).toEqual(Array(6).fill('close'));
  });

  it('noVUConnectionReuse: a new connection for each iteration, kept within it', async () => {
    await run('reuse-async.js', { NVR: '1' });
    expect(connections).toBe(3);
    expect(connectionHeaders).toEqual(Array(6).fill('keep-alive'));
  });
});
