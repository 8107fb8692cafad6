import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cloudMain } from './cli.ts';
import { checkDistribution, defaultCloudDeps, type CloudDeps } from './cloud.ts';
import { k6ConfigPath, userConfigDir } from './auth.ts';
import { unreachableFromCloud } from './target.ts';
import { scriptPath } from '../engines/build.ts';
import { buildBundles } from '../engines/k6-bundle.ts';
import { parseCloudUrl } from '../processes/k6-process.ts';
import { makeFakeK6, SUMMARY_FIXTURES, type FakeK6 } from '../testdata/fake-k6.ts';

const TOKEN = 'tok-LEAKCHECK-7f3a9c';
const API_KEY = 'sk-APIKEY-LEAKCHECK-41d2';
const CREDS = { K6_CLOUD_TOKEN: TOKEN, K6_CLOUD_STACK_ID: '4321' };

let fake: FakeK6;
let script: string;
let stderrSpy: ReturnType<typeof vi.spyOn>;
let usageErrors: string;

beforeEach(() => {
  fake = makeFakeK6();
  script = join(fake.work, 'basic.js');
  writeFileSync(script, 'export default function () {}\n');
  usageErrors = '';
  // runCommand reports usage errors on process.stderr.
  stderrSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    usageErrors += String(chunk);
    return true;
  });
});
afterEach(() => {
  stderrSpy.mockRestore();
  fake.cleanup();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  built: number;
}

async function cloud(argv: string[], env: NodeJS.ProcessEnv, realBuild = false): Promise<Run> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk) => (stdout += chunk));
  err.on('data', (chunk) => (stderr += chunk));
  let built = 0;
  const deps: CloudDeps = {
    ...defaultCloudDeps(),
    env,
    cwd: fake.work,
    stdout: out,
    stderr: err,
    build: async () => {
      built++;
      if (realBuild) await buildBundles();
    },
  };
  const code = await cloudMain(argv, deps);
  return { code, stdout, stderr: stderr + usageErrors, built };
}

const k6Args = (): string[][] => fake.calls().map((call) => call.argv);

describe('npm run cloud: commands', () => {
  it('cloud run: exact argv, env contract as -e, token only in the environment, run URL printed', async () => {
    const run = await cloud(
      [
        '--script', 'basic.js', '--target', 'https://staging.example.com', '--requests', '2000', '--concurrency', '50',
        '--duration', '30s', '--rate', '100', '--model', 'gpt-4o-mini', '--endpoint', '/v1/chat/completions',
        '--api-key', API_KEY, '--name', 'nightly', '--project-id', '123', '--cloud-name', 'LLMux nightly',
        '--distribution', 'amazon:us:ashburn=50,amazon:ie:dublin=50', '-e', 'P95_MS=800',
      ],
      fake.env(CREDS),
    );
    expect(run.code).toBe(0);
    expect(run.built).toBe(0); // --script: no build
    const expected = [
      'cloud', 'run',
      '-e', 'TARGET=https://staging.example.com', '-e', 'ENDPOINT=/v1/chat/completions', '-e', 'MODEL=gpt-4o-mini',
      '-e', 'REQUESTS=2000', '-e', 'CONCURRENCY=50', '-e', 'DURATION=30s', '-e', 'RATE=100',
      '-e', `API_KEY=${API_KEY}`, '-e', 'NAME=nightly', '-e', 'OUTPUT=results/',
      '-e', 'CLOUD_NAME=LLMux nightly', '-e', 'CLOUD_PROJECT_ID=123', '-e', 'CLOUD_DISTRIBUTION=amazon:us:ashburn=50,amazon:ie:dublin=50',
      '-e', 'P95_MS=800',
      'basic.js',
    ];
    expect(k6Args()).toEqual([['version'], expected]);
    expect(fake.calls()[1].cwd).toBe(fake.work);
    const childEnv = fake.envRecords()[1].env;
    expect(childEnv.K6_CLOUD_TOKEN).toBe(TOKEN);
    expect(childEnv.K6_CLOUD_STACK_ID).toBe('4321');
    expect(run.stderr).toContain(`$ ${fake.bin} cloud run -e TARGET=https://staging.example.com`);
    expect(run.stderr).toContain("-e API_KEY=*** -e NAME=nightly -e OUTPUT=results/ -e 'CLOUD_NAME=LLMux nightly'");
    expect(run.stdout).toContain('Results: https://fake-stack.grafana.net/a/k6-app/runs/4242');
    expect(run.stdout).toContain('handleSummary does not run for cloud-executed tests');
    expect(run.stdout).toContain('--local');
  });

  it('project id from K6_CLOUD_PROJECT_ID; only the given contract variables are passed', async () => {
    const run = await cloud(['--script', 'basic.js', '--target', 'https://api.example.com'], fake.env({ ...CREDS, K6_CLOUD_PROJECT_ID: '77' }));
    expect(run.code).toBe(0);
    expect(k6Args()[1]).toEqual([
      'cloud', 'run', '-e', 'TARGET=https://api.example.com', '-e', 'NAME=benchmark', '-e', 'OUTPUT=results/', '-e', 'CLOUD_PROJECT_ID=77', 'basic.js',
    ]);
  });

  it('--local: k6 cloud run --local-execution, localhost allowed, local summary pointed at', async () => {
    const run = await cloud(
      ['--local', '--script', 'basic.js', '--target', 'http://localhost:3000', '--requests', '100', '--name', 'local-run', '--output', 'out/'],
      fake.env({ ...CREDS, FAKE_K6_SUMMARY: SUMMARY_FIXTURES }),
    );
    expect(run.code).toBe(0);
    expect(k6Args()[1]).toEqual([
      'cloud', 'run', '--local-execution',
      '-e', 'TARGET=http://localhost:3000', '-e', 'REQUESTS=100', '-e', 'NAME=local-run', '-e', 'OUTPUT=out/',
      'basic.js',
    ]);
    expect(run.stdout).toContain('Results: https://fake-stack.grafana.net/a/k6-app/runs/4242');
    expect(run.stdout).toContain('Local summary: out/local-run.summary.json');
    expect(run.stdout).toContain('npm run report -- out/local-run.summary.json');
    expect(JSON.parse(readFileSync(join(fake.work, 'out/local-run.summary.json'), 'utf8')).llmux.name).toBe('local-run');
  });

  it('--upload: k6 cloud upload with the env contract, test URL printed', async () => {
    const run = await cloud(['--upload', '--script', 'basic.js', '--target', 'https://staging.example.com'], fake.env(CREDS));
    expect(run.code).toBe(0);
    expect(k6Args()[1]).toEqual(['cloud', 'upload', '-e', 'TARGET=https://staging.example.com', '-e', 'NAME=benchmark', '-e', 'OUTPUT=results/', 'basic.js']);
    expect(run.stdout).toContain('Uploaded: https://fake-stack.grafana.net/a/k6-app/tests/77');
  });

  it('builds and runs dist/<scenario>.js when no --script is given', async () => {
    const run = await cloud(['--scenario', 'streaming', '--target', 'https://staging.example.com'], fake.env(CREDS), true);
    expect(run.code).toBe(0);
    expect(run.built).toBe(1);
    expect(k6Args()[1].at(-1)).toBe(scriptPath('streaming'));
  });

  it("passes k6's exit code through (99: thresholds failed)", async () => {
    const run = await cloud(['--script', 'basic.js', '--target', 'https://staging.example.com'], fake.env({ ...CREDS, FAKE_K6_EXIT: '99' }));
    expect(run.code).toBe(99);
    expect(run.stdout).toContain('Results: https://fake-stack.grafana.net/a/k6-app/runs/4242');
  });
});

describe('npm run cloud: refusals before anything runs', () => {
  it('missing token or stack: one clear message, k6 never started, nothing built', async () => {
    for (const env of [{}, { K6_CLOUD_TOKEN: TOKEN }, { K6_CLOUD_STACK_ID: '1' }]) {
      usageErrors = '';
      const run = await cloud(['--target', 'https://staging.example.com'], fake.env(env));
      expect(run.code).toBe(2);
      expect(run.built).toBe(0);
      expect(run.stderr).toMatch(/Grafana Cloud k6 needs .*K6_CLOUD_/);
      expect(run.stderr).toContain("k6 cloud login --token <token> --stack <stack>");
    }
    expect(usageErrors).toContain('needs an API token (K6_CLOUD_TOKEN)');
    expect(fake.calls()).toEqual([]);
  });

  it("accepts k6's saved login (XDG config, K6_CONFIG) and --logged-in", async () => {
    const saved = join(fake.root, 'config', 'k6', 'config.json');
    mkdirSync(join(fake.root, 'config', 'k6'), { recursive: true });
    writeFileSync(saved, JSON.stringify({ collectors: { cloud: { token: TOKEN, stackID: 4321 } } }));
    expect((await cloud(['--script', 'basic.js', '--target', 'https://a.example.com'], fake.env())).code).toBe(0);
    const custom = join(fake.root, 'custom.json');
    writeFileSync(custom, JSON.stringify({ collectors: { cloud: { token: TOKEN, stackURL: 'https://x.grafana.net' } } }));
    expect((await cloud(['--script', 'basic.js', '--target', 'https://a.example.com'], fake.env({ K6_CONFIG: custom, XDG_CONFIG_HOME: fake.work }))).code).toBe(0);
    expect((await cloud(['--script', 'basic.js', '--target', 'https://a.example.com', '--logged-in'], fake.env({ XDG_CONFIG_HOME: fake.work }))).code).toBe(0);
    expect((await cloud(['--script', 'basic.js', '--target', 'https://a.example.com'], fake.env({ XDG_CONFIG_HOME: fake.work }))).code).toBe(2);
  });

  it('refuses localhost and private targets for cloud runs and uploads, pointing at --local', async () => {
    const targets = [
      'http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:3000', 'http://10.0.0.5', 'http://172.16.4.2',
      'http://172.31.255.1', 'http://192.168.1.20:4000', 'http://gateway.local', 'http://gateway:3000', 'http://0.0.0.0:3000',
    ];
    for (const target of targets) {
      for (const mode of [[], ['--upload']]) {
        usageErrors = '';
        const run = await cloud([...mode, '--script', 'basic.js', '--target', target], fake.env(CREDS));
        expect(run.code, `${mode} ${target}`).toBe(2);
        expect(run.stderr).toContain(`--target ${target}:`);
        expect(run.stderr).toContain('cannot reach it');
        expect(run.stderr).toContain('--local to generate the load from this machine');
      }
    }
    expect(fake.calls()).toEqual([]);
  });

  it('classifies addresses: private ranges refused, public ones allowed', () => {
    expect(unreachableFromCloud('http://172.32.0.1')).toBeNull();
    expect(unreachableFromCloud('http://172.15.255.255')).toBeNull();
    expect(unreachableFromCloud('http://8.8.8.8')).toBeNull();
    expect(unreachableFromCloud('https://staging.example.com')).toBeNull();
    expect(unreachableFromCloud('http://[2606:4700::1111]')).toBeNull();
    expect(unreachableFromCloud('http://[fd12::1]')).toMatch(/private/);
    expect(unreachableFromCloud('http://[fe80::1]')).toMatch(/link-local/);
    expect(unreachableFromCloud('http://[::ffff:127.0.0.1]')).toMatch(/127\.0\.0\.1/);
    expect(unreachableFromCloud('http://169.254.169.254')).toMatch(/private/);
    expect(unreachableFromCloud('http://api.localhost')).toMatch(/this machine/);
    expect(unreachableFromCloud('http://LOCALHOST.')).toMatch(/this machine/);
  });

  it('refuses a k6 older than 0.53 before building', async () => {
    const run = await cloud(['--target', 'https://staging.example.com'], fake.env({ ...CREDS, FAKE_K6_VERSION: 'k6 v0.52.0 (commit/x, go1.22, linux/amd64)' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('k6 v0.52.0');
    expect(run.stderr).toContain('older than 0.53.0');
    expect(run.built).toBe(0);
    expect(k6Args()).toEqual([['version']]);
  });

  it('without k6: install hints', async () => {
    const run = await cloud(['--script', 'basic.js', '--target', 'https://staging.example.com'], fake.envWithoutK6(CREDS));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no k6 binary found in PATH; install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/)');
  });

  it('rejects conflicting modes, bad distributions and reserved -e keys', async () => {
    const cases: [string[], RegExp][] = [
      [['--local', '--upload'], /--local and --upload cannot be combined/],
      [['--upload', '--operator', '2'], /--upload and --operator cannot be combined/],
      [['--distribution', 'amazon:us:ashburn=60,amazon:ie:dublin=50'], /--distribution: the percentages add up to 110, not 100/],
      [['--distribution', 'ashburn'], /--distribution: 'ashburn' is not <load zone>=<percent>/],
      [['-e', 'TARGET=http://x.example.com'], /-e TARGET: use --target instead/],
      [['-e', `K6_CLOUD_TOKEN=${TOKEN}`], /-e K6_CLOUD_TOKEN: the token is read from the environment only/],
      [['--scenario', 'soak'], /--scenario: expected one of basic, streaming, concurrency/],
      [['--project-id', 'abc'], /--project-id: expected a numeric project id/],
      [['--requests', '0'], /--requests: expected a whole number >= 1/],
    ];
    for (const [argv, message] of cases) {
      usageErrors = '';
      const run = await cloud(['--script', 'basic.js', '--target', 'https://staging.example.com', ...argv], fake.env(CREDS));
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    expect(fake.calls()).toEqual([]);
    expect(checkDistribution('amazon:us:ashburn=100')).toBeNull();
  });
});

describe('secrets', () => {
  it('the cloud token never appears in argv, output or files; the API key only in the k6 argv', async () => {
    const env = fake.env({ ...CREDS, FAKE_K6_SUMMARY: SUMMARY_FIXTURES, BENCH_API_KEY: API_KEY });
    const runs = [
      await cloud(['--script', 'basic.js', '--target', 'https://staging.example.com'], env),
      await cloud(['--local', '--script', 'basic.js', '--target', 'http://localhost:3000', '--name', 'leak'], env),
      await cloud(['--upload', '--script', 'basic.js', '--target', 'https://staging.example.com'], env),
      await cloud(['--operator', '2', '--script', 'basic.js', '--target', 'https://staging.example.com', '--output', 'manifests'], env),
      await cloud(['--target', 'https://staging.example.com', '--requests', 'x'], env),
    ];
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0, 2]);
    const printed = runs.map((run) => run.stdout + run.stderr).join('\n');
    const files = [
      ...readdirSync(join(fake.work, 'manifests')).map((f) => join(fake.work, 'manifests', f)),
      join(fake.work, 'results', 'leak.summary.json'),
    ].map((file) => readFileSync(file, 'utf8'));
    for (const text of [printed, fake.argvText(), ...files]) expect(text).not.toContain(TOKEN);
    for (const text of [printed, ...files]) expect(text).not.toContain(API_KEY);
    expect(printed).toContain('API_KEY=***');
    // The key does reach k6 (the script needs it), and the token reaches it through the environment.
    expect(fake.argvText()).toContain(`API_KEY=${API_KEY}`);
    expect(fake.envRecords().filter((record) => record.env.K6_CLOUD_TOKEN === TOKEN).length).toBe(fake.calls().length);
  });
});

describe('helpers', () => {
  it("parses the URL from k6's execution description", () => {
    expect(parseCloudUrl('\n     execution: cloud\n        script: dist/basic.js\n        output: https://stack.grafana.net/a/k6-app/runs/123\n')).toBe(
      'https://stack.grafana.net/a/k6-app/runs/123',
    );
    expect(parseCloudUrl('        output: \x1b[36mcloud (https://stack.grafana.net/a/k6-app/runs/9)\x1b[0m\n')).toBe('https://stack.grafana.net/a/k6-app/runs/9');
    expect(parseCloudUrl('        output: -\n')).toBeNull();
  });

  it("locates k6's config file like k6 does", () => {
    expect(k6ConfigPath({ K6_CONFIG: '/x/k6.json' })).toBe('/x/k6.json');
    expect(userConfigDir({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' }, 'linux')).toBe('/xdg');
    expect(userConfigDir({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.config');
    expect(userConfigDir({ HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Application Support');
    expect(userConfigDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toBe('C:\\Users\\u\\AppData\\Roaming');
  });
});

describe('llmux-bench cloud (the binary)', () => {
  it('is wired to the subcommand table and runs the stand-in k6', async () => {
    const { execFile } = await import('node:child_process');
    const bin = new URL('../../bin/llmux-bench.mjs', import.meta.url).pathname;
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolveRun) => {
      execFile(
        process.execPath,
        [bin, 'cloud', '--upload', '--script', 'basic.js', '--target', 'https://staging.example.com', '--api-key', API_KEY],
        { cwd: fake.work, env: fake.env(CREDS), timeout: 30_000 },
        (error, stdout, stderr) => resolveRun({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
    expect(result.code).toBe(0);
    expect(k6Args()[1]).toEqual(['cloud', 'upload', '-e', 'TARGET=https://staging.example.com', '-e', `API_KEY=${API_KEY}`, '-e', 'NAME=benchmark', '-e', 'OUTPUT=results/', 'basic.js']);
    expect(result.stdout).toContain('Uploaded: https://fake-stack.grafana.net/a/k6-app/tests/77');
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });
});
