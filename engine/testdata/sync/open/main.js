// open() resolves a relative path against the module whose init code runs it, as k6 does (the
// outermost frame): lib/users.js reads lib/users.json; load() called from here reads ./note.txt.
import { load, users } from './lib/users.js';

const note = load('./note.txt').trim();
export const options = { iterations: 1 };

export default function () {
  console.log(`users ${users.map((u) => u.name).join(',')}; note: ${note}`);
}
