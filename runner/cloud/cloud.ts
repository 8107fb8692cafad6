// `llmux-bench cloud`: a scenario on Grafana Cloud k6 (`k6 cloud run`, `--local-execution`,
// `k6 cloud upload`) or as a k6-operator manifest. Every check that can fail (target reachable
// from the cloud, credentials, k6 present and new enough) runs before anything is built or started.
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { UsageError } from '../../lib/cli.ts';
import { requireCloudCredentials } from './auth.ts';
import { isLoopbackTarget, unreachableFromCloud } from './target.ts';
import { describeEngine, selectEngine, type SelectedEngine } from '../engines/engine-select.ts';
import { buildBundles, displayPath, scenarioBundle } from '../engines/k6-bundle.ts';
import { envArgs, formatCommand, isSecretKey, scenarioEnv, shellQuote, type EnvFlags } from '../engines/k6-env.ts';
import { parseCloudUrl, runK6Process } from '../processes/k6-process.ts';
import { DEFAULT_SECRET_NAME, operatorManifest, secretCommand } from './operator.ts';

export type CloudMode = 'cloud' | 'local' | 'upload' | 'operator';

export interface CloudOptions extends EnvFlags {
  scenario: string;
  script?: string;
  mode: CloudMode;
  /** k6-operator runners (mode "operator"). */
  parallelism?: number;
  loggedIn: boolean;
  projectId?: string;
  cloudName?: string;
  distribution?: string;
  /** --operator: Secret holding API_KEY, HEADERS and other secret-looking variables. */
  secretName?: string;
  namespace?: string;
  image?: string;
  operatorArgs?: string;
}

export interface CloudDeps {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  build: () => Promise<void>;
  runK6: typeof runK6Process;
  selectK6: (env: NodeJS.ProcessEnv) => Promise<SelectedEngine>;
}

export const defaultCloudDeps = (): CloudDeps => ({
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  build: buildBundles,
  runK6: runK6Process,
  selectK6: (env) => selectEngine('k6', env),
});

/** "amazon:us:ashburn=50,amazon:ie:dublin=50": load zones with whole percentages adding up to 100. */
export function checkDistribution(text: string): string | null {
  const entries = text.split(',').map((part) => part.trim());
  let total = 0;
  for (const entry of entries) {
    const match = /^([a-z0-9-]+:[a-z]{2}:[a-z0-9-]+)=(\d+)$/.exec(entry);
    if (!match) return `'${entry}' is not <load zone>=<percent>, e.g. amazon:us:ashburn=50`;
    total += Number(match[2]);
  }
  return total === 100 ? null : `the percentages add up to ${total}, not 100`;
}

export function k6CloudArgs(mode: Exclude<CloudMode, 'operator'>, env: [string, string][], script: string): string[] {
  const head = mode === 'upload' ? ['cloud', 'upload'] : mode === 'local' ? ['cloud', 'run', '--local-execution'] : ['cloud', 'run'];
  return [...head, ...envArgs(env), script];
}

function cloudEnv(options: CloudOptions, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return {
    CLOUD_NAME: options.cloudName,
    CLOUD_PROJECT_ID: options.projectId ?? (env.K6_CLOUD_PROJECT_ID || undefined),
    CLOUD_DISTRIBUTION: options.distribution,
  };
}

export async function cloudCommand(options: CloudOptions, deps: CloudDeps): Promise<number> {
  const say = (line: string): void => void deps.stderr.write(`${line}\n`);
  const print = (line: string): void => void deps.stdout.write(`${line}\n`);
  if (options.distribution) {
    const problem = checkDistribution(options.distribution);
    if (problem) throw new UsageError(`--distribution: ${problem}`);
  }
  if (options.mode === 'operator') return writeOperatorManifest(options, deps, say, print);
  const env = scenarioEnv(options, cloudEnv(options, deps.env)); // validates -e pairs too

  if (options.mode !== 'local') {
    const reason = unreachableFromCloud(options.target);
    if (reason) {
      const where = options.mode === 'upload' ? 'tests started from the Grafana Cloud UI run in its load zones, which' : 'Grafana Cloud load zones';
      throw new UsageError(
        `--target ${options.target}: ${reason}; ${where} cannot reach it. ` +
          'Use a public URL, or --local to generate the load from this machine (results still stream to Grafana Cloud)',
      );
    }
  }
  requireCloudCredentials(deps.env, options.loggedIn);
  const k6 = await deps.selectK6(deps.env);
  const script = await scenarioBundle(options.scenario, options.script, deps.cwd, deps.build);
  const args = k6CloudArgs(options.mode, env, displayPath(script, deps.cwd));
  say(`using ${describeEngine(k6)}`);
  if (options.mode !== 'local' && options.apiKey) {
    say('note: -e values, API_KEY included, are stored with the test in Grafana Cloud; use a key made for load tests');
  }
  say(`$ ${formatCommand([...k6.command, ...args])}`);
  // The token reaches k6 only through this environment (K6_CLOUD_TOKEN or k6's saved login).
  const result = await deps.runK6(k6.command, args, { env: deps.env, cwd: deps.cwd, stdout: deps.stdout, stderr: deps.stderr });
  const url = parseCloudUrl(result.stdout);
  print('');
  if (options.mode === 'upload') {
    print(url ? `Uploaded: ${url}` : 'Uploaded (k6 printed no test URL; see the Grafana Cloud k6 app).');
    print('Start runs from that page, or schedule them there.');
    return result.exitCode;
  }
  print(url ? `Results: ${url}` : 'Results: in the Grafana Cloud k6 app (k6 printed no run URL).');
  if (options.mode === 'local') {
    const summary = join(options.output, `${options.name}.summary.json`);
    if (existsSync(resolve(deps.cwd, summary))) {
      print(`Local summary: ${summary}`);
      print(`Make an LLMux result file for compare: npm run report -- ${shellQuote(summary)}`);
    } else {
      print(`No local summary at ${summary} (did the run stop early?).`);
    }
  } else {
    print('handleSummary does not run for cloud-executed tests, so no local summary was written.');
    print('Export from the run page (Export > CSV, or Export summary to a dashboard), or bring the run into');
    print('npm run compare by running it with --local: same script, results still in Grafana Cloud, plus');
    print(`${join(options.output, `${options.name}.summary.json`)} for: npm run report -- <summary>`);
  }
  return result.exitCode;
}

async function writeOperatorManifest(options: CloudOptions, deps: CloudDeps, say: (l: string) => void, print: (l: string) => void): Promise<number> {
  if (isLoopbackTarget(options.target)) {
    say(`warning: --target ${options.target}: inside a runner pod this is the pod itself; use the target's Service name or address`);
  }
  // Pods keep no files: OUTPUT points handleSummary at a writable folder; summaries go to the pod logs.
  const all = scenarioEnv({ ...options, output: '/tmp/' });
  const env = all.filter(([key]) => !isSecretKey(key));
  const secretKeys = all.filter(([key]) => isSecretKey(key)).map(([key]) => key);
  if (options.secretName && secretKeys.length === 0) secretKeys.push('API_KEY'); // the key lives in the cluster only
  const secretName = secretKeys.length > 0 ? (options.secretName ?? DEFAULT_SECRET_NAME) : undefined;
  const script = await scenarioBundle(options.scenario, options.script, deps.cwd, deps.build);
  const file = basename(script);
  const mapPath = `${script}.map`;
  const { yaml, name, bytes } = operatorManifest({
    scenario: options.scenario,
    file,
    bundle: readFileSync(script, 'utf8'),
    sourceMap: existsSync(mapPath) ? { file: basename(mapPath), text: readFileSync(mapPath, 'utf8') } : undefined,
    parallelism: options.parallelism ?? 1,
    env,
    secretName,
    secretKeys,
    name: options.name,
    namespace: options.namespace,
    image: options.image,
    arguments: options.operatorArgs,
  });
  const dir = resolve(deps.cwd, options.output);
  mkdirSync(dir, { recursive: true });
  const path = writeNew(dir, `${name}.k6-operator.yaml`, yaml);
  const shown = displayPath(path, deps.cwd);
  print(`Wrote ${shown}: ConfigMap + TestRun ${name}, parallelism ${options.parallelism}, ${file} ${bytes} bytes.`);
  if (secretName) print(`  ${secretCommand(secretName, secretKeys)}`);
  print(`  kubectl apply -f ${shellQuote(shown)}`);
  print(`  kubectl get testrun ${name} -w`);
  print(`  kubectl logs -l k6_cr=${name},runner=true   # each runner's end-of-test summary`);
  return 0;
}

/** Writes a file under a name that does not exist yet (name, name-2, ...), atomically. */
function writeNew(dir: string, fileName: string, text: string): string {
  const tmp = join(dir, `.${fileName}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  try {
    for (let n = 1; ; n++) {
      const candidate = join(dir, n === 1 ? fileName : fileName.replace(/\.k6-operator\.yaml$/, `-${n}.k6-operator.yaml`));
      try {
        linkSync(tmp, candidate); // fails when the name is taken: never overwrites
        return candidate;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  } finally {
    unlinkSync(tmp);
  }
}
