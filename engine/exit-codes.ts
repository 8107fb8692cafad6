// k6's exit codes (errext/exitcodes), the ones the engine uses.
export const EXIT = {
  ok: 0,
  thresholds: 99,
  setupTimeout: 100,
  teardownTimeout: 101,
  invalidConfig: 104,
  externalAbort: 105,
  scriptError: 107,
  scriptAborted: 108,
  markedFailed: 110,
} as const;
