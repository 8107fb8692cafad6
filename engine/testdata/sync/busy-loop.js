// A synchronous busy loop that never yields (issue: the engine must still stop at
// duration + gracefulStop and on Ctrl-C). GRACEFUL_STOP shortens k6's default 30s for tests.
export const options = {
  scenarios: { s: { executor: 'constant-vus', vus: 1, duration: __ENV.DURATION || '3s', gracefulStop: __ENV.GRACEFUL_STOP || '30s' } },
};

export default function () {
  while (true) {}
}
