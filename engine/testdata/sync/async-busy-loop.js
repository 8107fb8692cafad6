// A synchronous loop inside an async function: an event-loop VU that never yields.
export const options = { scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '1s' } } };

export default async function () {
  while (true) {}
}
