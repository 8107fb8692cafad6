// `llmux-bench cloud` (`npm run cloud`): flags, validation, then runner/cloud/cloud.ts.
import { z } from 'zod';
import { runCommand, UsageError, validateFlags, zNumber, type CommandSpec } from '../../lib/cli.ts';
import { cloudCommand, defaultCloudDeps, type CloudDeps, type CloudMode } from './cloud.ts';
import { ENV_FLAGS, envFlagsSchema, EXTRA_ENV_FLAG, SCENARIOS } from '../engines/k6-env.ts';

export const cloudSpec: CommandSpec = {
  name: 'cloud',
  summary:
    'Run a scenario on Grafana Cloud k6 (k6 cloud run), from this machine with results streamed to the cloud (--local), ' +
    'upload it without running (--upload), or write a k6-operator TestRun manifest (--operator N).',
  flags: {
    scenario: { type: 'string', value: 'NAME', default: 'basic', description: `scenario bundle dist/<NAME>.js: ${SCENARIOS.join(', ')}` },
    script: { type: 'string', value: 'FILE', description: 'run this bundle instead of dist/<scenario>.js (no build)' },
    local: { type: 'boolean', description: 'k6 cloud run --local-execution: load from this machine, results to Grafana Cloud, local summary too' },
    upload: { type: 'boolean', description: 'k6 cloud upload: store the test in Grafana Cloud without running it' },
    operator: { type: 'string', value: 'N', description: 'write a k6-operator TestRun manifest with N parallel runners to --output' },
    loggedIn: { type: 'boolean', description: 'skip the credentials check (k6 finds its login some way this command cannot see)' },
    projectId: { type: 'string', value: 'ID', env: 'K6_CLOUD_PROJECT_ID', description: 'Grafana Cloud k6 project (options.cloud.projectID)' },
    cloudName: { type: 'string', value: 'TEXT', description: 'test name in Grafana Cloud (default: "<name> <scenario>")' },
    distribution: { type: 'string', value: 'ZONES', description: 'load zones, e.g. amazon:us:ashburn=50,amazon:ie:dublin=50' },
    secretName: { type: 'string', value: 'NAME', description: '--operator: Secret the runners read API_KEY/HEADERS from (default llmux-bench-secrets when --api-key or --header is given)' },
    namespace: { type: 'string', value: 'NS', description: '--operator: Kubernetes namespace of the ConfigMap and TestRun' },
    image: { type: 'string', value: 'IMAGE', description: '--operator: k6 runner image (operator default: grafana/k6:latest)' },
    operatorArgs: { type: 'string', value: 'ARGS', description: '--operator: extra k6 arguments (spec.arguments); write it as --operator-args="--out ..."' },
    ...ENV_FLAGS,
    ...EXTRA_ENV_FLAG,
  },
  epilog: [
    'Credentials: K6_CLOUD_TOKEN and K6_CLOUD_STACK_ID in the environment, or a prior',
    "'k6 cloud login --token <token> --stack <stack>'. The token reaches k6 only through its environment.",
    '',
    'Examples:',
    '  npm run cloud -- --scenario basic --target https://staging.example.com --requests 2000 --concurrency 50',
    '  npm run cloud -- --local --target http://localhost:3000',
    '  npm run cloud -- --upload --target https://staging.example.com',
    '  npm run cloud -- --operator 4 --target http://gateway.bench.svc:3000 --output results/',
  ].join('\n'),
};

const schema = envFlagsSchema.extend({
  scenario: z.enum(SCENARIOS, { error: `expected one of ${SCENARIOS.join(', ')}` }),
  script: z.string().min(1).optional(),
  local: z.boolean().optional(),
  upload: z.boolean().optional(),
  operator: zNumber((n) => n.int('expected a whole number').min(1).max(1000)).optional(),
  loggedIn: z.boolean().optional(),
  projectId: z.string().regex(/^\d+$/, 'expected a numeric project id').optional(),
  cloudName: z.string().min(1).optional(),
  distribution: z.string().min(1).optional(),
  secretName: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a Kubernetes Secret name (lower case, digits, -, .)').optional(),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a Kubernetes namespace (lower case, digits, -)').optional(),
  image: z.string().min(1).optional(),
  operatorArgs: z.string().min(1).optional(),
});

export async function cloudMain(argv: string[], deps: CloudDeps = defaultCloudDeps()): Promise<number> {
  return runCommand(
    cloudSpec,
    argv,
    async (parsed) => {
      const flags = validateFlags(schema, parsed);
      const modes = [flags.local && '--local', flags.upload && '--upload', flags.operator !== undefined && '--operator'].filter(Boolean);
      if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be combined; pick one`);
      const mode: CloudMode = flags.local ? 'local' : flags.upload ? 'upload' : flags.operator !== undefined ? 'operator' : 'cloud';
      return cloudCommand({ ...flags, mode, parallelism: flags.operator, loggedIn: Boolean(flags.loggedIn) }, deps);
    },
    deps.env,
  );
}

export const main = (argv: string[]): Promise<number> => cloudMain(argv);
