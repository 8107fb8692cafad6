// The one configuration contract of every scenario, read from k6's __ENV. Pure code (no k6
// imports) so it is unit tested in Node; an invalid value throws in k6's init stage, which
// stops the test (exit 107) with one message naming the variable.
import { parseDurationMs } from '../../lib/duration.ts';

export type ScenarioName = 'basic' | 'streaming' | 'concurrency' | 'tools' | 'responses';

/** Scenarios whose answers stream or not as STREAM says. */
export const STREAM_SCENARIOS: readonly ScenarioName[] = ['tools', 'responses'];
export type Env = Record<string, string | undefined>;

export interface CloudConfig {
  name: string;
  projectID?: number;
  distribution?: Record<string, { loadZone: string; percent: number }>;
}

export interface ThresholdConfig {
  /** Max http_req_failed rate; null = no threshold. */
  errorRate: number | null;
  /** Min checks rate; null = no threshold. */
  checksRate: number | null;
  /** Max p(95) of http_req_duration in ms; null = no threshold. */
  p95Ms: number | null;
  /** Max p(95) of ttft in ms (streaming); null = no threshold. */
  ttftP95Ms: number | null;
}

export interface Config {
  scenario: ScenarioName;
  target: string;
  endpoint: string;
  /** target + endpoint */
  url: string;
  requests: number;
  concurrency: number;
  durationMs: number;
  /** Requests per second (open model), null = closed model. */
  rate: number | null;
  maxVUs: number | null;
  warmupMs: number;
  name: string;
  output: string;
  model: string;
  apiKey: string;
  /** Extra request headers (values are secrets as far as output goes). */
  headers: Record<string, string>;
  maxTokens: number | null;
  /** Ask for a streamed answer (tools, responses: STREAM; streaming: always; others: never). */
  stream: boolean;
  prompt: string;
  timeoutMs: number;
  thresholds: ThresholdConfig;
  cloud: CloudConfig;
}

export const DEFAULTS = {
  TARGET: 'http://localhost:3000',
  REQUESTS: 10000,
  CONCURRENCY: 100,
  CONCURRENCY_CONCURRENCY_SCENARIO: 1000,
  DURATION: '0',
  WARMUP: '0',
  NAME: 'benchmark',
  OUTPUT: 'results/',
  MODEL: 'gpt-4o',
  API_KEY: 'benchmark-test-key',
  ENDPOINT: '/v1/chat/completions',
  ENDPOINT_RESPONSES: '/v1/responses',
  PROMPT: 'Reply with one short sentence about load testing.',
  TIMEOUT: '60s',
  THRESHOLD_ERROR_RATE: 0.01,
  THRESHOLD_CHECKS_RATE: 0.99,
} as const;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Value set and not blank (k6 `-e X=` gives ""; that means "use the default"). */
function given(env: Env, key: string): string | undefined {
  const value = env[key];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function positiveInt(env: Env, key: string, fallback: number | null): number | null {
  const text = given(env, key);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new ConfigError(`${key} must be a positive integer, got "${text}"`);
  }
  return Number(text);
}

function durationMs(env: Env, key: string, fallback: string): number {
  const text = given(env, key) ?? fallback;
  const ms = parseDurationMs(text, 's');
  if (ms === null) {
    throw new ConfigError(`${key} must be a duration in seconds or k6 form like "30s", "1m30s", got "${text}"`);
  }
  return ms;
}

function positiveNumber(env: Env, key: string): number | null {
  const text = given(env, key);
  if (text === undefined) return null;
  if (!/^\d+(\.\d+)?$/.test(text) || !(Number(text) > 0)) {
    throw new ConfigError(`${key} must be a positive number, got "${text}"`);
  }
  return Number(text);
}

/** A rate threshold in [0, 1], or "off". */
function rateThreshold(env: Env, key: string, fallback: number | null): number | null {
  const text = given(env, key);
  if (text === undefined) return fallback;
  if (text.toLowerCase() === 'off') return null;
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || value > 1) {
    throw new ConfigError(`${key} must be a rate between 0 and 1 or "off", got "${text}"`);
  }
  return value;
}

function msThreshold(env: Env, key: string): number | null {
  const text = given(env, key);
  if (text === undefined || text.toLowerCase() === 'off') return null;
  if (!/^\d*\.?\d+$/.test(text) || !(Number(text) > 0)) {
    throw new ConfigError(`${key} must be a positive number of milliseconds or "off", got "${text}"`);
  }
  return Number(text);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Set by the scenario itself; overriding them would change what is measured.
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host']);

/**
 * HEADERS: a JSON object of strings (`{"X-Team":"a"}`) or `Name: value` pairs separated by
 * ";" or new lines (`X-Team: a; X-Trace: 1`). Error messages name headers, never values.
 */
export function parseHeaders(text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === '') return {};
  const trimmed = text.trim();
  const headers: Record<string, string> = {};
  const add = (name: string, value: unknown) => {
    if (!HEADER_NAME.test(name)) throw new ConfigError(`HEADERS has an invalid header name "${name}"`);
    if (typeof value !== 'string') throw new ConfigError(`HEADERS value of "${name}" must be a string`);
    if (/[\r\n\0]/.test(value)) throw new ConfigError(`HEADERS value of "${name}" must not contain line breaks`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new ConfigError(`HEADERS must not set "${name}": the scenario sets it`);
    }
    headers[name] = value;
  };
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new ConfigError('HEADERS must be a JSON object of strings or "Name: value; Name2: value2", got invalid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError('HEADERS must be a JSON object of strings or "Name: value; Name2: value2"');
    }
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) add(name, value);
    return headers;
  }
  for (const part of trimmed.split(/;|\r?\n/)) {
    if (part.trim() === '') continue;
    const colon = part.indexOf(':');
    if (colon <= 0) {
      throw new ConfigError('HEADERS must be a JSON object of strings or "Name: value; Name2: value2", found an entry without ":"');
    }
    add(part.slice(0, colon).trim(), part.slice(colon + 1).trim());
  }
  return headers;
}

/** "amazon:us:ashburn=50,amazon:ie:dublin=50" → { ashburn: { loadZone, percent } }. */
export function parseDistribution(text: string): Record<string, { loadZone: string; percent: number }> {
  const out: Record<string, { loadZone: string; percent: number }> = {};
  let total = 0;
  for (const part of text.split(',')) {
    const match = /^\s*([a-z0-9-]+(?::[a-z0-9-]+)+)\s*=\s*(\d+)\s*$/i.exec(part);
    if (!match) {
      throw new ConfigError(`CLOUD_DISTRIBUTION must look like "amazon:us:ashburn=50,amazon:ie:dublin=50", got "${text}"`);
    }
    const loadZone = match[1];
    const percent = Number(match[2]);
    const base = loadZone.split(':').pop() as string;
    let label = base;
    for (let n = 2; label in out; n++) label = `${base}${n}`;
    out[label] = { loadZone, percent };
    total += percent;
  }
  if (total !== 100) throw new ConfigError(`CLOUD_DISTRIBUTION percentages must add up to 100, got ${total}`);
  return out;
}

/**
 * A URL fit for an error message: a query, fragment or user-info part can carry a key
 * (`?api-key=sk-...`), so each is replaced by "…".
 */
export function redactUrl(text: string): string {
  return text.replace(/[?#][\s\S]*$/, (m) => `${m[0]}…`).replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@]*@/i, '$1…@');
}

/** Parses and validates the whole environment for one scenario. Throws ConfigError. */
export function parseConfig(env: Env, scenario: ScenarioName): Config {
  const targetText = given(env, 'TARGET') ?? DEFAULTS.TARGET;
  // Credentials in the URL would land in the summary file; the value is not echoed either.
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(targetText)) {
    throw new ConfigError('TARGET must not contain user:password@ (send credentials with API_KEY or HEADERS)');
  }
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(targetText)) {
    throw new ConfigError(`TARGET must be an http:// or https:// URL without query, got "${redactUrl(targetText)}"`);
  }
  const target = targetText.replace(/\/+$/, '');

  const endpoint = given(env, 'ENDPOINT') ?? (scenario === 'responses' ? DEFAULTS.ENDPOINT_RESPONSES : DEFAULTS.ENDPOINT);
  if (!/^\/\S*$/.test(endpoint)) throw new ConfigError(`ENDPOINT must be a path starting with "/", got "${endpoint}"`);

  const requests = positiveInt(env, 'REQUESTS', DEFAULTS.REQUESTS) as number;
  const defaultConcurrency =
    scenario === 'concurrency' ? DEFAULTS.CONCURRENCY_CONCURRENCY_SCENARIO : DEFAULTS.CONCURRENCY;
  const concurrency = positiveInt(env, 'CONCURRENCY', defaultConcurrency) as number;
  const durationMsValue = durationMs(env, 'DURATION', DEFAULTS.DURATION);
  const warmupMs = durationMs(env, 'WARMUP', DEFAULTS.WARMUP);
  const timeoutMs = durationMs(env, 'TIMEOUT', DEFAULTS.TIMEOUT);
  if (timeoutMs <= 0) throw new ConfigError(`TIMEOUT must be greater than 0, got "${given(env, 'TIMEOUT')}"`);

  const rate = positiveNumber(env, 'RATE');
  if (rate !== null && scenario === 'concurrency') {
    throw new ConfigError('RATE is not supported by the concurrency scenario (it ramps VUs); unset RATE');
  }
  if (rate !== null && Math.round(rate * 1000) !== rate * 1000) {
    throw new ConfigError(`RATE must have at most 3 decimals, got "${given(env, 'RATE')}"`);
  }
  const maxVUs = positiveInt(env, 'MAX_VUS', null);
  if (maxVUs !== null && rate === null) throw new ConfigError('MAX_VUS only applies with RATE (open model); set RATE or unset MAX_VUS');

  const name = given(env, 'NAME') ?? DEFAULTS.NAME;
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) {
    throw new ConfigError(`NAME must use only letters, digits, ".", "_" and "-" (it names files), got "${name}"`);
  }
  const output = given(env, 'OUTPUT') ?? DEFAULTS.OUTPUT;

  const model = given(env, 'MODEL') ?? DEFAULTS.MODEL;
  // API_KEY="" (explicitly empty) sends no Authorization header.
  const apiKey = env.API_KEY === undefined ? DEFAULTS.API_KEY : env.API_KEY.trim();
  if (/[\r\n\0]/.test(apiKey)) throw new ConfigError('API_KEY must not contain line breaks');
  const headers = parseHeaders(env.HEADERS);
  const maxTokens = positiveInt(env, 'MAX_TOKENS', null);
  const streamText = given(env, 'STREAM');
  if (streamText !== undefined && !/^(true|false|1|0|yes|no|on|off)$/i.test(streamText)) {
    throw new ConfigError(`STREAM must be true or false, got "${streamText}"`);
  }
  if (streamText !== undefined && !STREAM_SCENARIOS.includes(scenario)) {
    throw new ConfigError(`STREAM applies to the ${STREAM_SCENARIOS.join(' and ')} scenarios only (${scenario} ${scenario === 'streaming' ? 'always streams' : 'never streams'}); unset STREAM`);
  }
  // The responses scenario streams unless told not to (its TTFT needs a stream); tools does not.
  const stream = scenario === 'streaming' || (streamText === undefined ? scenario === 'responses' : /^(true|1|yes|on)$/i.test(streamText));
  const prompt = env.PROMPT !== undefined && env.PROMPT !== '' ? env.PROMPT : DEFAULTS.PROMPT;

  // THRESHOLDS=off drops every pass/fail threshold; each THRESHOLD_* may also be "off".
  const thresholdsSwitch = given(env, 'THRESHOLDS');
  if (thresholdsSwitch !== undefined && !/^(on|off)$/i.test(thresholdsSwitch)) {
    throw new ConfigError(`THRESHOLDS must be "on" or "off", got "${thresholdsSwitch}"`);
  }
  const thresholdsOff = thresholdsSwitch?.toLowerCase() === 'off';
  // Saturation errors are the concurrency scenario's finding, not a failure: no default limits.
  const saturating = scenario === 'concurrency';
  const thresholds: ThresholdConfig = {
    errorRate: rateThreshold(env, 'THRESHOLD_ERROR_RATE', saturating ? null : DEFAULTS.THRESHOLD_ERROR_RATE),
    checksRate: rateThreshold(env, 'THRESHOLD_CHECKS_RATE', saturating ? null : DEFAULTS.THRESHOLD_CHECKS_RATE),
    p95Ms: msThreshold(env, 'THRESHOLD_P95_MS'),
    ttftP95Ms: msThreshold(env, 'THRESHOLD_TTFT_P95_MS'),
  };
  if (thresholdsOff) {
    thresholds.errorRate = thresholds.checksRate = thresholds.p95Ms = thresholds.ttftP95Ms = null;
  }

  const cloud: CloudConfig = { name: given(env, 'CLOUD_NAME') ?? `${name} ${scenario}` };
  const projectID = positiveInt(env, 'CLOUD_PROJECT_ID', null);
  if (projectID !== null) cloud.projectID = projectID;
  const distribution = given(env, 'CLOUD_DISTRIBUTION');
  if (distribution !== undefined) cloud.distribution = parseDistribution(distribution);

  return {
    scenario,
    target,
    endpoint,
    url: target + endpoint,
    requests,
    concurrency,
    durationMs: durationMsValue,
    rate,
    maxVUs,
    warmupMs,
    name,
    output,
    model,
    apiKey,
    headers,
    maxTokens,
    stream,
    prompt,
    timeoutMs,
    thresholds,
    cloud,
  };
}

/** Where handleSummary writes: `${OUTPUT}/${NAME}.summary.json`, OUTPUT with or without "/". */
export function summaryPath(config: Pick<Config, 'output' | 'name'>): string {
  const dir = /^\/+$/.test(config.output) ? '' : config.output.replace(/\/+$/, '');
  return `${dir}/${config.name}.summary.json`;
}
