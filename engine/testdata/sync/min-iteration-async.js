// min-iteration.js on event-loop VUs.
import exec from 'k6/execution';

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 3 } }, minIterationDuration: '300ms' };

export default async function () {
  console.log(`iteration ${exec.scenario.iterationInTest} at ${Math.round(exec.instance.currentTestRunDuration)}`);
}
