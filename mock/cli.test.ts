import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './cli.ts';

// Test bodies are checked field by field; typing them adds nothing.
const json = (res: Response): Promise<any> => res.json();

const BIN = fileURLToPath(new URL('../bin/llmux-bench.mjs', import.meta.url));

function capture() {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  return {
    get out() {
      return out;
    },
    get err() {
      return err;
    },
    restore() {
      o.mockRestore();
      e.mockRestore();
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe('flag validation', () => {
  it.each([
    [['--port', 'abc'], {}, "llmux-bench mock: --port: expected a number (got \"abc\")"],
    [['--port', '70000'], {}, 'llmux-bench mock: --port: '],
    [['--latency', 'soon'], {}, 'llmux-bench mock: --latency: expected a duration like 50ms, 2s or 1m30s'],
    [['--jitter', 'wild'], {}, 'llmux-bench mock: --jitter: expected none, normal or lognormal (got "wild")'],
    [['--error-rate', '1.5'], {}, 'llmux-bench mock: --error-rate: '],
    [['--error-status', '200'], {}, 'llmux-bench mock: --error-status: '],
    [['--body-limit', 'huge'], {}, 'llmux-bench mock: --body-limit: expected a size like 4mb, 512kb or 1048576 (bytes) (got "huge")'],
    [['--tokens-per-chunk', '0'], {}, 'llmux-bench mock: --tokens-per-chunk: '],
    [[], { MOCK_ABORT_RATE: '-1' }, 'llmux-bench mock: MOCK_ABORT_RATE: '],
    [['--latency', '700h'], {}, 'llmux-bench mock: --latency: at most 1h (got "700h")'],
    [['--itl', '2h'], {}, 'llmux-bench mock: --itl: at most 1h (got "2h")'],
    [['--stall-duration', '700h'], {}, 'llmux-bench mock: --stall-duration: at most 1h (got "700h")'],
    [['--prefill-per-token', '90m'], {}, 'llmux-bench mock: --prefill-per-token: at most 1h (got "90m")'],
    [[], { MOCK_LATENCY: '700h' }, 'llmux-bench mock: MOCK_LATENCY: at most 1h (got "700h")'],
    [['--tokens', '100001'], {}, 'llmux-bench mock: --tokens: '],
    [['--nope'], {}, "llmux-bench mock: unknown flag '--nope'"],
  ])('%j %j exits 2 naming the flag', async (argv, env, message) => {
    const io = capture();
    const code = await main(argv as string[], env as NodeJS.ProcessEnv);
    io.restore();
    expect(code).toBe(2);
    expect(io.err.split('\n')[0].startsWith(message)).toBe(true);
    expect(io.out).toBe('');
  });

  it('--help lists every flag with its default and env variable', async () => {
    const io = capture();
    const code = await main(['--help'], {});
    io.restore();
    expect(code).toBe(0);
    expect(io.out).toContain('--latency DUR');
    expect(io.out).toContain('(default: 50ms; env: MOCK_LATENCY)');
    expect(io.out).toContain('(default: 127.0.0.1; env: MOCK_HOST)');
    expect(io.out).toContain('(default: 8080; env: MOCK_PORT)');
    expect(io.out).toContain('x-mock-error');
  });
});

describe('running', () => {
  it('prints exactly one line with the URL, serves, and stops cleanly on the abort signal', async () => {
    const io = capture();
    const ac = new AbortController();
    const done = main(['--port', '0', '--latency', '0'], { MOCK_TOKENS: '3' }, ac.signal);
    let line = '';
    for (let i = 0; i < 200 && !line; i++) {
      await new Promise((r) => setTimeout(r, 10));
      line = io.out;
    }
    io.restore();
    expect(line).toMatch(/^mock listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    const url = line.trim().split(' ').at(-1)!;
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }) });
    expect((await json(res)).usage.completion_tokens).toBe(3);
    ac.abort();
    expect(await done).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('the bin starts the mock and exits 0 on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const child = spawn(process.execPath, [BIN, 'mock', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += String(d);
          const m = /mock listening on (http:\/\/\S+)\n/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
        setTimeout(() => reject(new Error('no listening line within 20 s')), 20_000).unref();
      });
      // Keep a stream open while stopping: shutdown must not wait for it.
      const streaming = fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'x-mock-itl': '1s' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true }),
      }).then((r) => r.text()).catch(() => 'cut');
      await new Promise((r) => setTimeout(r, 200));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill(signal);
      expect(await exited).toBe(0);
      await streaming;
    }
  });

  it('a port in use is one line and exit 1', async () => {
    const { startMockServer } = await import('./server.ts');
    const busy = await startMockServer({ port: 0 });
    try {
      const io = capture();
      const code = await main(['--port', String(busy.port)], {});
      io.restore();
      expect(code).toBe(1);
      expect(io.err).toBe(`llmux-bench mock: cannot listen on 127.0.0.1:${busy.port}: address already in use\n`);
    } finally {
      await busy.close();
    }
  });
});
