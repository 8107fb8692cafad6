// Runs a k6 command in the foreground: its output goes to ours as it comes (progress stays live),
// stdout is also kept so the run's URL can be read from it. Ctrl-C reaches k6 (same process
// group), which stops the run and finishes; we wait for it instead of dying first.
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { guardProcess, releaseProcess } from './lifeline.ts';

export interface K6ProcessResult {
  exitCode: number;
  stdout: string;
}

export interface K6ProcessOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout?: Writable;
  stderr?: Writable;
}

const MAX_KEPT = 1 << 20; // keep at most 1 MiB of stdout for parsing; k6 prints the URL first

export function runK6Process(command: string[], args: string[], options: K6ProcessOptions): Promise<K6ProcessResult> {
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['inherit', 'pipe', 'pipe'],
    });
    // Ctrl-C reaches it through the terminal; a runner killed outright takes it along all the same.
    if (child.pid !== undefined) guardProcess(child.pid);
    let kept = '';
    const ignoreSigint = (): void => {}; // k6 got the same signal; let it wind down
    process.on('SIGINT', ignoreSigint);
    child.stdout.on('data', (chunk: Buffer) => {
      out.write(chunk);
      if (kept.length < MAX_KEPT) kept += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => err.write(chunk));
    child.on('error', (error) => {
      process.off('SIGINT', ignoreSigint);
      reject(error);
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', ignoreSigint);
      if (child.pid !== undefined) releaseProcess(child.pid);
      resolve({ exitCode: code ?? (signal === 'SIGINT' ? 130 : 1), stdout: kept });
    });
  });
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * The Grafana Cloud URL from k6's execution description: `output: https://…/runs/123` for cloud
 * runs and uploads, `output: cloud (https://…/runs/123)` for local execution.
 */
export function parseCloudUrl(stdout: string): string | null {
  for (const line of stdout.replace(ANSI, '').split(/\r?\n/)) {
    const match = /^\s*output:.*?(https?:\/\/[^\s,)]+)/.exec(line);
    if (match) return match[1];
  }
  return null;
}
