import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cloudMain } from './cli.ts';
import { defaultCloudDeps } from './cloud.ts';
import { CONFIGMAP_LIMIT_BYTES, operatorManifest, resourceName } from './operator.ts';
import { makeFakeK6, type FakeK6 } from '../testdata/fake-k6.ts';

// A bundle with what YAML block scalars find awkward: leading spaces, tabs, quotes, '#', '---',
// a trailing space, unicode and an inline source map.
const BUNDLE = [
  '// k6 bundle',
  '  const a = "x: y # not a comment";',
  "\tconst b = '---';",
  'const c = `tpl ${1}`; ',
  'export default async function () { return "µs → ok"; }',
  '//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==',
  '',
].join('\n');

let fake: FakeK6;
let stderrSpy: ReturnType<typeof vi.spyOn>;
let errors: string;
beforeEach(() => {
  fake = makeFakeK6();
  writeFileSync(join(fake.work, 'basic.js'), BUNDLE);
  errors = '';
  stderrSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    errors += String(chunk);
    return true;
  });
});
afterEach(() => {
  stderrSpy.mockRestore();
  fake.cleanup();
});

async function operator(argv: string[], env = fake.envWithoutK6()): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk) => (stdout += chunk));
  err.on('data', (chunk) => (stderr += chunk));
  const code = await cloudMain(argv, { ...defaultCloudDeps(), env, cwd: fake.work, stdout: out, stderr: err, build: async () => {} });
  return { code, stdout, stderr: stderr + errors };
}

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    parallelism: number;
    script: { configMap: { name: string; file: string } };
    arguments?: string;
    runner: { image?: string; env: { name: string; value?: string; valueFrom?: unknown }[] };
  };
}

describe('npm run cloud -- --operator N', () => {
  it('writes a ConfigMap + TestRun that parse back with the CRD fields, without k6 or credentials', async () => {
    const run = await operator([
      '--operator', '4', '--script', 'basic.js', '--target', 'http://gateway.bench.svc:3000', '--requests', '40000',
      '--concurrency', '400', '--name', 'Nightly_Run', '--api-key', 'sk-operator-secret', '--header', 'X-Team: hdr-secret-value', '--namespace', 'load',
      '--image', 'grafana/k6:1.4.0', '--operator-args=--tag team=gw', '--output', 'manifests', '-e', 'P95_MS=900',
    ]);
    expect(run.code).toBe(0);
    expect(fake.calls()).toEqual([]); // no k6 involved
    const files = readdirSync(join(fake.work, 'manifests'));
    expect(files).toEqual(['llmux-bench-nightly-run-basic.k6-operator.yaml']);
    const text = readFileSync(join(fake.work, 'manifests', files[0]), 'utf8');
    expect(text).not.toContain('sk-operator-secret');
    expect(text).not.toContain('hdr-secret-value');
    const docs = parseAllDocuments(text);
    expect(docs.map((doc) => doc.errors)).toEqual([[], []]);
    const [configMap, testRun] = docs.map((doc) => doc.toJS() as Doc);

    expect(configMap.apiVersion).toBe('v1');
    expect(configMap.kind).toBe('ConfigMap');
    expect(configMap.metadata).toEqual({
      name: 'llmux-bench-nightly-run-basic',
      namespace: 'load',
      labels: { 'app.kubernetes.io/name': 'llmux-bench', 'app.kubernetes.io/component': 'basic' },
    });
    expect(configMap.data).toEqual({ 'basic.js': BUNDLE }); // byte for byte

    expect(testRun.apiVersion).toBe('k6.io/v1alpha1');
    expect(testRun.kind).toBe('TestRun');
    expect(testRun.metadata.name).toBe('llmux-bench-nightly-run-basic');
    expect(testRun.metadata.namespace).toBe('load');
    expect(testRun.spec).toEqual({
      parallelism: 4,
      script: { configMap: { name: 'llmux-bench-nightly-run-basic', file: 'basic.js' } },
      arguments: '--tag team=gw',
      runner: {
        image: 'grafana/k6:1.4.0',
        env: [
          { name: 'TARGET', value: 'http://gateway.bench.svc:3000' },
          { name: 'REQUESTS', value: '40000' },
          { name: 'CONCURRENCY', value: '400' },
          { name: 'NAME', value: 'Nightly_Run' },
          { name: 'OUTPUT', value: '/tmp/' },
          { name: 'P95_MS', value: '900' },
          { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'llmux-bench-secrets', key: 'API_KEY' } } },
          { name: 'HEADERS', valueFrom: { secretKeyRef: { name: 'llmux-bench-secrets', key: 'HEADERS' } } },
        ],
      },
    });
    expect(run.stdout).toContain("kubectl create secret generic llmux-bench-secrets --from-literal=API_KEY='<api key>' --from-literal=HEADERS='<headers>'");
    expect(run.stdout).toContain('kubectl apply -f manifests/llmux-bench-nightly-run-basic.k6-operator.yaml');
    expect(run.stdout + run.stderr).not.toContain('sk-operator-secret');
    expect(run.stdout + run.stderr).not.toContain('hdr-secret-value');
  });

  it('never overwrites: a second manifest gets a new name; no API key → no API_KEY env at all', async () => {
    expect((await operator(['--operator', '2', '--script', 'basic.js', '--output', 'm'])).code).toBe(0);
    expect((await operator(['--operator', '3', '--script', 'basic.js', '--output', 'm'])).code).toBe(0);
    const files = readdirSync(join(fake.work, 'm')).sort();
    expect(files).toEqual(['llmux-bench-benchmark-basic-2.k6-operator.yaml', 'llmux-bench-benchmark-basic.k6-operator.yaml']);
    const first = parseAllDocuments(readFileSync(join(fake.work, 'm', files[1]), 'utf8'))[1].toJS() as Doc;
    const second = parseAllDocuments(readFileSync(join(fake.work, 'm', files[0]), 'utf8'))[1].toJS() as Doc;
    expect([first.spec!.parallelism, second.spec!.parallelism]).toEqual([2, 3]);
    expect(first.spec!.runner.env.map((e) => e.name)).toEqual(['TARGET', 'NAME', 'OUTPUT']);
    expect(first.spec!.runner).not.toHaveProperty('image');
  });

  it('uses a named Secret with --secret-name, and warns that localhost is the pod itself', async () => {
    const run = await operator(['--operator', '1', '--script', 'basic.js', '--secret-name', 'gw-key', '--output', 'm']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('inside a runner pod this is the pod itself');
    const [file] = readdirSync(join(fake.work, 'm'));
    const testRun = parseAllDocuments(readFileSync(join(fake.work, 'm', file), 'utf8'))[1].toJS() as Doc;
    expect(testRun.spec!.runner.env.at(-1)).toEqual({ name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'gw-key', key: 'API_KEY' } } });
  });

  it('rejects a bad runner count', async () => {
    for (const n of ['0', '-1', '2.5', 'many']) {
      errors = '';
      const run = await operator(['--operator', n, '--script', 'basic.js']);
      expect(run.code, n).toBe(2);
      expect(run.stderr).toMatch(/--operator/);
    }
  });
});

describe('operatorManifest', () => {
  const base = { scenario: 'basic', file: 'basic.js', parallelism: 2, env: [['TARGET', 'http://x']] as [string, string][], name: 'n' };

  it('refuses bundles over the ConfigMap limit and API_KEY as plain env', () => {
    expect(() => operatorManifest({ ...base, bundle: 'x'.repeat(CONFIGMAP_LIMIT_BYTES + 1) })).toThrow(/over the 1048576-byte ConfigMap limit/);
    expect(() => operatorManifest({ ...base, bundle: 'x', env: [['API_KEY', 'k']] })).toThrow('API_KEY must come from a Secret, not plain env');
    expect(() => operatorManifest({ ...base, bundle: 'x', env: [['MY_TOKEN', 'k']] })).toThrow(/MY_TOKEN must come from a Secret/);
  });

  it('keeps a separate source map beside the bundle, or drops the dangling reference', () => {
    const bundle = 'export default function () {}\n//# sourceMappingURL=basic.js.map\n';
    const withMap = parseAllDocuments(operatorManifest({ ...base, bundle, sourceMap: { file: 'basic.js.map', text: '{"version":3}' } }).yaml)[0].toJS() as Doc;
    expect(withMap.data).toEqual({ 'basic.js': bundle, 'basic.js.map': '{"version":3}' });
    const without = parseAllDocuments(operatorManifest({ ...base, bundle }).yaml)[0].toJS() as Doc;
    expect(without.data).toEqual({ 'basic.js': 'export default function () {}\n' });
  });

  it('derives DNS-1123 names', () => {
    expect(resourceName('llmux-bench', 'My_Run.v2', 'basic')).toBe('llmux-bench-my-run-v2-basic');
    expect(resourceName('llmux-bench', 'x'.repeat(80)).length).toBeLessThanOrEqual(63);
    expect(resourceName('---')).toBe('llmux-bench');
  });
});
