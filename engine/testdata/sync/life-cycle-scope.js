// setup(), teardown() and handleSummary() each run on a VU of their own, init code included, as
// in k6: a module variable set in setup() is not seen by teardown() or handleSummary()
// (life-cycle-scope-async.js: the same with event-loop VUs).
let counter = 0;
export const options = { iterations: 1 };

export function setup() {
  counter = 100;
  console.log(`setup: counter ${counter}`);
}

export default function () {}

export function teardown() {
  console.log(`teardown: counter ${counter}`);
}

export function handleSummary() {
  console.log(`handleSummary: counter ${counter}`);
  return {};
}
