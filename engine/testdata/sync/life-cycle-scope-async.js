// life-cycle-scope.js with event-loop VUs.
let counter = 0;
export const options = { iterations: 1 };

export function setup() {
  counter = 100;
  console.log(`setup: counter ${counter}`);
}

export default async function () {}

export function teardown() {
  console.log(`teardown: counter ${counter}`);
}

export function handleSummary() {
  console.log(`handleSummary: counter ${counter}`);
  return {};
}
