// options.minIterationDuration: each iteration's VU waits out the rest of 300 ms; the iterations'
// own durations stay short (k6 measures iteration_duration before the wait). ASYNC=1: event loop.
import exec from 'k6/execution';

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 3 } }, minIterationDuration: '300ms' };

export default function () {
  console.log(`iteration ${exec.scenario.iterationInTest} at ${Math.round(exec.instance.currentTestRunDuration)}`);
}
