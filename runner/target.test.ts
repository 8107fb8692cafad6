// The started proxy must be the one that answers: a port already taken, a command that died, or a
// socket held by another process are refused before any load.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchError } from './errors.ts';
import { checkStartedAnswers, refuseTakenPort, startTargetCommand, type StartedTarget } from './target.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

function start(command: string): StartedTarget {
  const started = startTargetCommand(command, 'http://127.0.0.1:1');
  cleanups.push(started.stop);
  return started;
}

describe('refuseTakenPort', () => {
  it('names the port and the process already listening on it', async () => {
    const { url } = await listen();
    const port = new URL(url).port;
    await expect(refuseTakenPort(url)).rejects.toThrow(new RegExp(`^--target-cmd: port ${port} is already in use \\(pid ${process.pid}\\)`));
  });

  it('lets a free port through', async () => {
    const { server, url } = await listen();
    await new Promise((resolve) => server.close(resolve));
    await expect(refuseTakenPort(url)).resolves.toBeUndefined();
  });
});

describe('checkStartedAnswers', () => {
  it('refuses an answer from a socket the started command does not own', async () => {
    const { url } = await listen();
    const started = start('sleep 30');
    expect(() => checkStartedAnswers(url, started)).toThrow(BenchError);
    expect(() => checkStartedAnswers(url, started)).toThrow(`is held by pid ${process.pid}, not by --target-cmd (pid ${started.pid})`);
  });

  it('refuses when the started command has exited, with its exit code and last line', async () => {
    const { url } = await listen();
    const started = start('echo listen failed >&2; exit 4');
    await started.proc.exited;
    expect(() => checkStartedAnswers(url, started)).toThrow(/^--target-cmd exited \(exit code 4: listen failed\) although http:\/\/127\.0\.0\.1:\d+ answered/);
  });

  it('accepts the socket held by the started command or one of its children', async () => {
    const code = "require('http').createServer((q, s) => s.end()).listen(0, '127.0.0.1', function () { console.log(this.address().port) })";
    const started = start(`${process.execPath} -e "${code}"; true`);
    const port = await new Promise<string>((resolve) => started.proc.child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    expect(() => checkStartedAnswers(`http://127.0.0.1:${port}`, started)).not.toThrow();
  });
});
