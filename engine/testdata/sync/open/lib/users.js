// A helper module that loads its data beside itself, as real scripts' lib folders do.
export const users = JSON.parse(open('./users.json'));
// A function called later from the entry script's init code: relative to the entry script then.
export const load = (path) => open(path);
