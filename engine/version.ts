// The engine reports the package version (k6 would report its own).
import pkg from '../package.json' with { type: 'json' };

export const version: string = pkg.version;

/** The User-Agent of the engine's requests (k6 sends k6's own). */
export const USER_AGENT = `llmux-bench/${version} (k6-compatible engine)`;
