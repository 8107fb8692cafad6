// Metric selectors: `name{key:value,key2:value2}` picks the samples of `name` whose tags
// contain every listed key with that value (k6: metrics/metric.go AddSubmetric, ParseMetricName).

export interface MetricSelector {
  /** Parent metric name. */
  name: string;
  /** Text between the braces, trimmed; null for a plain metric name. */
  suffix: string | null;
}

/** Splits `name{...}` and checks the braces as k6 does; throws naming the selector. */
export function parseMetricSelector(selector: string): MetricSelector {
  const open = selector.indexOf('{');
  const close = selector.lastIndexOf('}');
  if (open === -1 && close === -1) return { name: selector, suffix: null };
  if (open === -1 || close === -1) {
    throw new Error(`parsing metric name failed, metric "${selector}" has unmatched opening/close curly brace`);
  }
  if (close < open) {
    throw new Error(`parsing metric name failed, metric "${selector}" closing curly brace appears before opening one`);
  }
  if (close !== selector.length - 1) {
    throw new Error(`parsing metric name failed, metric "${selector}" lacks a closing curly brace in its last position`);
  }
  const inner = selector.slice(open + 1, close);
  for (const part of inner.split(',')) {
    const colon = part.indexOf(':');
    if (colon === -1 || part.slice(colon + 1) === '') {
      throw new Error(`parsing metric name failed, metric "${selector}" tag expression "${part}" is malformed`);
    }
  }
  return { name: selector.slice(0, open), suffix: inner.trim() };
}

const unquote = (s: string): string => s.trim().replace(/^["']+|["']+$/g, '');

/** The tag pairs of a submetric suffix ("a:1, b:'x'"), quotes and spaces stripped as k6 does. */
export function parseSubmetricTags(suffix: string): Array<[string, string]> {
  const pairs = new Map<string, string>();
  for (const kv of suffix.split(',')) {
    if (kv === '') continue;
    const colon = kv.indexOf(':');
    if (colon === -1) pairs.set(unquote(kv), '');
    else pairs.set(unquote(kv.slice(0, colon)), unquote(kv.slice(colon + 1)));
  }
  return [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
