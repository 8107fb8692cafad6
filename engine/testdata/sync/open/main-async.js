// main.js on event-loop VUs.
import { load, users } from './lib/users.js';

const note = load('./note.txt').trim();
export const options = { iterations: 1 };

export default async function () {
  console.log(`users ${users.map((u) => u.name).join(',')}; note: ${note}`);
}
