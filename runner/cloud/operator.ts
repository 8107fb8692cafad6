// A k6-operator TestRun (k6.io/v1alpha1) plus the ConfigMap holding the scenario bundle, as one
// multi-document YAML for `kubectl apply -f`. Fields follow the operator's CRD
// (api/v1alpha1/testrun_types.go): spec.parallelism, spec.script.configMap {name, file},
// spec.arguments, spec.runner {image, env}. The env contract goes into spec.runner.env: the
// runners' `k6 run` sees container env as __ENV; current operator releases copy spec.runner into
// an unset spec.initializer and pass its env to `k6 archive` as -e (older ones do not).
// Secrets (API_KEY, HEADERS, any *KEY/*TOKEN) are only ever Secret references.
import { stringify } from 'yaml';
import { UsageError } from '../../lib/cli.ts';
import { isSecretKey } from '../engines/k6-env.ts';

/** A ConfigMap holds at most 1 MiB (k6-operator docs); bigger bundles need a volumeClaim. */
export const CONFIGMAP_LIMIT_BYTES = 1_048_576;
export const DEFAULT_SECRET_NAME = 'llmux-bench-secrets';

export interface OperatorManifestOptions {
  scenario: string;
  /** Bundle file name inside the ConfigMap, e.g. "basic.js". */
  file: string;
  bundle: string;
  /** Source map, stored beside the bundle when both fit in one ConfigMap. */
  sourceMap?: { file: string; text: string };
  parallelism: number;
  /** Env contract pairs, secrets excluded (see secretKeys). */
  env: [string, string][];
  /** Secret holding the secretKeys (one data key per env variable). */
  secretName?: string;
  /** Env variables read from that Secret, e.g. ["API_KEY", "HEADERS"]. */
  secretKeys?: string[];
  /** Resource names are derived from it (DNS-1123). */
  name: string;
  namespace?: string;
  image?: string;
  /** Extra k6 arguments (spec.arguments), e.g. "--out experimental-prometheus-rw". */
  arguments?: string;
}

/** A DNS-1123 label from free text: lower case, [a-z0-9-], at most 63 characters. */
export function resourceName(...parts: string[]): string {
  const name = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 63)
    .replace(/-$/, '');
  return name || 'llmux-bench';
}

export function operatorManifest(options: OperatorManifestOptions): { yaml: string; name: string; bytes: number } {
  if (!Number.isInteger(options.parallelism) || options.parallelism < 1) {
    throw new UsageError(`--operator: expected a whole number of runners >= 1 (got ${options.parallelism})`);
  }
  const plainSecret = options.env.find(([key]) => isSecretKey(key));
  if (plainSecret) throw new Error(`${plainSecret[0]} must come from a Secret, not plain env`);
  const secretKeys = options.secretKeys ?? [];
  if (secretKeys.length > 0 && !options.secretName) throw new Error('secretKeys need a secretName');
  const name = resourceName('llmux-bench', options.name, options.scenario);
  const data: Record<string, string> = { [options.file]: options.bundle };
  let bytes = Buffer.byteLength(options.bundle);
  if (options.sourceMap && bytes + Buffer.byteLength(options.sourceMap.text) <= CONFIGMAP_LIMIT_BYTES) {
    data[options.sourceMap.file] = options.sourceMap.text;
    bytes += Buffer.byteLength(options.sourceMap.text);
  } else {
    // A map file that is not beside the bundle would make k6 warn on every runner (inline maps stay).
    data[options.file] = options.bundle.replace(/\n\/\/# sourceMappingURL=(?!data:)\S+\s*$/, '\n');
    bytes = Buffer.byteLength(data[options.file]);
  }
  if (bytes > CONFIGMAP_LIMIT_BYTES) {
    throw new UsageError(
      `--operator: the ${options.file} bundle is ${bytes} bytes, over the ${CONFIGMAP_LIMIT_BYTES}-byte ConfigMap limit; ` +
        'serve it from a volumeClaim instead (see the k6-operator docs)',
    );
  }
  const labels = { 'app.kubernetes.io/name': 'llmux-bench', 'app.kubernetes.io/component': options.scenario };
  const metadata = { name, ...(options.namespace ? { namespace: options.namespace } : {}), labels };
  const env: Record<string, unknown>[] = options.env.map(([key, value]) => ({ name: key, value }));
  for (const key of secretKeys) env.push({ name: key, valueFrom: { secretKeyRef: { name: options.secretName, key } } });
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
  const testRun = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata,
    spec: {
      parallelism: options.parallelism,
      script: { configMap: { name, file: options.file } },
      ...(options.arguments ? { arguments: options.arguments } : {}),
      runner: { ...(options.image ? { image: options.image } : {}), env },
    },
  };
  const header = [
    `# k6-operator TestRun for the ${options.scenario} scenario, ${options.parallelism} runner(s).`,
    `# Apply: kubectl apply -f <this file>; delete with kubectl delete -f <this file> before re-applying.`,
    ...(secretKeys.length > 0 ? [`# Needs the Secret first: ${secretCommand(options.secretName!, secretKeys)}`] : []),
  ].join('\n');
  // lineWidth 0: never fold the bundle's long lines; block literals keep it byte for byte.
  const docs = [configMap, testRun].map((doc) => stringify(doc, { lineWidth: 0, blockQuote: 'literal' }));
  return { yaml: `${header}\n---\n${docs.join('---\n')}`, name, bytes };
}

/** The kubectl command that creates the Secret, with placeholders instead of values. */
export function secretCommand(name: string, keys: string[]): string {
  return `kubectl create secret generic ${name} ${keys.map((key) => `--from-literal=${key}='<${key.toLowerCase().replace(/_/g, ' ')}>'`).join(' ')}`;
}
