// What `npm run bench` measures for a real reverse proxy on this machine: Debian's nginx in front of
// the mock, started by the runner with --target-cmd, for the basic and streaming scenarios. Prints
// the overhead per percentile, nginx's memory and CPU, the rig's CPU and whether the rig was
// saturated, with the machine, so the figures in docs/benchmarks.md can be rerun.
//
//   node --import tsx bench/runner-nginx.ts [--requests 5000] [--concurrency 50] [--repeat 3] [--engine embedded] [--pin]
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from '../reporter/index.ts';
import { BIN, freePort, nginxTargetCmd, resultFiles, writeNginxConfig } from '../runner/bench-test-helpers.ts';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const REQUESTS = flag('requests', '5000');
const CONCURRENCY = flag('concurrency', '50');
const REPEAT = flag('repeat', '3');
const ENGINE = flag('engine', 'embedded');
const PIN = argv.includes('--pin');

const ms = (ns: number | null | undefined) => (ns === null || ns === undefined ? '-' : `${(ns / 1e6).toFixed(2)} ms`);
const signed = (ns: number | null | undefined) => (ns === null || ns === undefined ? '-' : `${ns >= 0 ? '+' : ''}${(ns / 1e6).toFixed(2)} ms`);

const dir = await mkdtemp(join(tmpdir(), 'runner-nginx-'));
await chmod(dir, 0o755);
try {
  console.log(`machine: ${cpus()[0]?.model ?? '?'}, ${availableParallelism()} cores, Node ${process.version}, load average ${(await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ').slice(0, 3).join(' ')}`);
  console.log(`load: ${REQUESTS} requests, ${CONCURRENCY} VUs, mock latency 50 ms (itl 10 ms, 20 tokens), ${REPEAT} runs each (median), engine ${ENGINE}${PIN ? ', pinned' : ''}\n`);
  for (const scenario of ['basic', 'streaming']) {
    const prefix = join(dir, scenario);
    await mkdir(prefix, { mode: 0o755 });
    const port = await freePort();
    await writeNginxConfig(prefix, port, '$MOCK_PORT');
    const out = join(dir, `${scenario}-results`);
    const args = [
      BIN, 'bench', '--target', `http://127.0.0.1:${port}`, '--target-cmd', nginxTargetCmd(prefix), '--name', 'nginx', '--scenario', scenario,
      '--requests', REQUESTS, '--concurrency', CONCURRENCY, '--repeat', REPEAT, '--engine', ENGINE, '--output', out, '--quiet', ...(PIN ? ['--pin'] : []),
    ];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000 });
    if (run.status !== 0) {
      console.log(`${scenario}: bench exited ${run.status}\n${run.stderr}`);
      continue;
    }
    const files = resultFiles(out);
    const read = async (prefixName: string) => JSON.parse(await readFile(join(out, files.find((f) => f.startsWith(prefixName))!), 'utf8')) as Result;
    const baseline = await read('baseline_');
    const nginx = await read('nginx_');
    console.log(`${scenario}:`);
    console.log(`  rps            baseline ${baseline.rps?.toFixed(0)}  nginx ${nginx.rps?.toFixed(0)}  (rps cv ${((nginx.repeat?.rps_cov ?? 0) * 100).toFixed(1)}% over ${nginx.repeat?.runs} runs)`);
    console.log(`  latency p50    baseline ${ms(baseline.latency_p50)}  nginx ${ms(nginx.latency_p50)}  overhead ${signed(nginx.overhead?.latency_p50)}`);
    console.log(`  latency p99    baseline ${ms(baseline.latency_p99)}  nginx ${ms(nginx.latency_p99)}  overhead ${signed(nginx.overhead?.latency_p99)}`);
    if (scenario === 'streaming') console.log(`  ttft p50       baseline ${ms(baseline.streaming?.ttft_p50)}  nginx ${ms(nginx.streaming?.ttft_p50)}  overhead ${signed(nginx.overhead?.ttft_p50)}`);
    console.log(`  nginx memory   peak ${((nginx.memory?.peak_rss_bytes ?? 0) / 1048576).toFixed(1)} MiB, avg ${((nginx.memory?.avg_rss_bytes ?? 0) / 1048576).toFixed(1)} MiB (${nginx.memory?.samples} samples)`);
    console.log(`  nginx cpu      avg ${nginx.cpu?.avg_percent}%, peak ${nginx.cpu?.peak_percent}% of one core`);
    console.log(`  rig            mock cpu peak ${nginx.rig?.mock_cpu_peak_percent}%, load generator cpu peak ${nginx.rig?.loadgen_cpu_peak_percent}%, saturated: ${nginx.rig?.rig_saturated}`);
    for (const w of (nginx.warnings ?? []).filter((w) => w.startsWith('rig: '))) console.log(`                 ${w}`);
    console.log('');
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
