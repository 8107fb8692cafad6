// The k6 modules the engine provides, by import specifier.
import * as crypto from './crypto.ts';
import * as data from './data.ts';
import * as encoding from './encoding.ts';
import * as execution from './execution.ts';
import * as html from './html.ts';
import * as http from './http.ts';
import * as k6 from './k6.ts';
import * as metrics from './metrics.ts';
import sse from './sse.ts';
import * as timers from './timers.ts';

export const K6_MODULES: Record<string, Record<string, unknown>> = {
  k6,
  'k6/http': http,
  'k6/metrics': metrics,
  'k6/execution': execution,
  'k6/timers': timers,
  'k6/encoding': encoding,
  'k6/crypto': crypto,
  'k6/data': data,
  'k6/html': html,
  // The xk6-sse extension exports a default object; its members are named exports too, so a
  // default import works under either of esbuild's CommonJS interop modes (Node's or Babel's).
  'k6/x/sse': { ...sse, default: sse },
};
