// Test helpers: run `llmux-bench bench` as a real child process, find any process it left behind,
// and configure a Debian nginx in a temp prefix as the proxy under test.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from '../reporter/index.ts';
import { readProcTable, treeOf } from './processes/proc-table.ts';
import { isAlive } from './processes/process-tree.ts';

export const BIN = fileURLToPath(new URL('../bin/llmux-bench.mjs', import.meta.url));
export const NGINX = '/usr/sbin/nginx';
/** A small gateway that routes by request header (runner/testdata/header-proxy.mjs). */
export const HEADER_PROXY = fileURLToPath(new URL('./testdata/header-proxy.mjs', import.meta.url));

export interface BenchRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  pid: number;
}

/** Every process the bench started inherits this variable, so leftovers can be found by it. */
export const newMark = () => randomUUID();

export function startBench(args: string[], mark: string, onStderr?: (text: string) => void, env: NodeJS.ProcessEnv = {}) {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, 'bench', ...args], {
    env: { ...process.env, ...env, LLMUX_TEST_MARK: mark, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr);
  });
  const done = new Promise<BenchRun>((resolve) => {
    child.once('exit', (code, signal) => {
      // Let the pipes drain.
      setTimeout(() => resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, pid: child.pid ?? -1 }), 50);
    });
  });
  return { child, done };
}

export const runBench = (args: string[], mark: string, env: NodeJS.ProcessEnv = {}) => startBench(args, mark, undefined, env).done;

/** Live processes whose environment carries the mark (the bench's whole family). */
export function processesWithMark(mark: string): number[] {
  const needle = `LLMUX_TEST_MARK=${mark}`;
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(needle) && isAlive(Number(name))) found.push(Number(name));
    } catch {
      // gone or not ours
    }
  }
  return found;
}

/**
 * While a bench runs, collects every pid of its family: processes carrying the mark in their
 * environment, or with `needle` in their command line (nginx rewrites its environment area for
 * its process title, so it is found by its -p directory), and all their descendants.
 */
export function watchFamily(mark: string, needle?: string) {
  const seen = new Set<number>();
  const cmdlines = new Map<number, string>();
  const look = () => {
    const table = readProcTable();
    for (const pid of table.keys()) {
      if (pid === process.pid) continue;
      let match = false;
      try {
        match = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`LLMUX_TEST_MARK=${mark}`);
        if (!match && needle) match = readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(needle);
      } catch {
        continue;
      }
      if (match) {
        for (const p of treeOf(table, pid)) {
          seen.add(p);
          try {
            cmdlines.set(p, readFileSync(`/proc/${p}/cmdline`, 'latin1').split('\0').join(' '));
          } catch {
            // gone
          }
        }
      }
    }
  };
  const timer = setInterval(look, 150);
  look();
  return {
    /** Stops watching; returns every pid seen. */
    stop(): number[] {
      clearInterval(timer);
      look();
      return [...seen];
    },
    /** Command lines of the family as seen while it ran (anyone on the machine can read them), by pid. */
    commandLines(): Map<number, string> {
      return cmdlines;
    },
  };
}

/**
 * A port free now, for a server a test starts later. Taken below the OS's ephemeral range: a port
 * the OS handed out for `listen(0)` and took back could be handed out again to the mock the run
 * starts on port 0 (or to an outgoing connection) before the test's server binds it.
 */
export async function freePort(): Promise<number> {
  const ephemeralStart = ephemeralPortStart();
  const low = Math.max(1024, ephemeralStart - 12_000);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralStart - low));
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
  throw new Error(`no free port found in ${low}..${ephemeralStart - 1}`);
}

/** The first port of the OS's ephemeral range (Linux); 32768 where it cannot be read. */
function ephemeralPortStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 2048 ? first : 32768;
  } catch {
    return 32768;
  }
}

/**
 * An nginx config in `dir` (temp paths, no daemon, logs in dir) listening on 127.0.0.1:`port`,
 * forwarding to the mock with keep-alive and without buffering (streams pass through).
 * `upstream` is a port, or "$MOCK_PORT" for a config written by --target-cmd once the mock is up.
 */
export async function writeNginxConfig(dir: string, port: number, upstream: number | '$MOCK_PORT'): Promise<string> {
  const text = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream mock { server 127.0.0.1:${upstream === '$MOCK_PORT' ? '@MOCK_PORT@' : upstream}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
  const file = join(dir, upstream === '$MOCK_PORT' ? 'nginx.conf.in' : 'nginx.conf');
  await writeFile(file, text);
  return file;
}

/** The --target-cmd that fills in the mock's port and execs nginx in the foreground. */
export const nginxTargetCmd = (dir: string) =>
  `sed "s/@MOCK_PORT@/$MOCK_PORT/" ${dir}/nginx.conf.in > ${dir}/nginx.conf && exec ${NGINX} -p ${dir} -c ${dir}/nginx.conf -e ${dir}/error.log`;

export function resultFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort();
}

/** A result file, parsed. */
export const readResult = async (file: string): Promise<Result> => JSON.parse(await readFile(file, 'utf8')) as Result;

/** A temp directory nginx can work in: its workers run as an unprivileged user when the master is root. */
export async function nginxTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}
