// The lifeline's other end: a small process of its own (plain JavaScript, so it starts in tens of
// milliseconds without the TypeScript loader) that outlives the runner by design. It reads lines
// from a pipe whose only writer is the runner:
//   +<pid>   a child started in its own process group: stop its tree if the runner goes
//   -<pid>   that child's tree is gone
//   d<path>  a temporary directory of the runner: remove it if the runner goes
//   r<path>  that directory was removed
// The pipe reaches end-of-file when the runner exits for whatever reason, SIGKILL included (the
// kernel closes its descriptors). Then every tree still listed gets SIGTERM (group, leader and
// every descendant), SIGKILL after a grace period, the directories are removed and this exits.
// Linux only for the trees (/proc); elsewhere the process groups are still signalled.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const GRACE_MS = Number(process.env.LLMUX_LIFELINE_GRACE_MS) || 3000;

/** pid → its start time (clock ticks after boot), to tell our child from a reused pid. */
const children = new Map();
const dirs = new Set();

// The terminal's Ctrl-C and hang-up are the runner's to handle; this ends with the pipe.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGQUIT']) process.on(signal, () => {});

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // state(3) ppid(4) pgrp(5) ... starttime(22)
    return { pid, state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), start: f[19] };
  } catch {
    return null;
  }
}

function table() {
  const rows = [];
  let names = [];
  try {
    names = readdirSync('/proc');
  } catch {
    return rows;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const row = stat(Number(name));
    if (row && row.state !== 'Z') rows.push(row);
  }
  return rows;
}

/** Every live process of the tree led by `pid`: its group, its descendants, their descendants. */
function treeOf(rows, pid, start) {
  const leader = rows.find((r) => r.pid === pid);
  // A new process under the old pid leads nothing of ours; a group without its leader still is ours
  // (a process group id is not reused while any member lives).
  if (leader && start !== null && leader.start !== start) return [];
  const members = new Set(rows.filter((r) => r.pgrp === pid).map((r) => r.pid));
  if (leader) members.add(pid);
  const byParent = new Map();
  for (const r of rows) byParent.set(r.ppid, [...(byParent.get(r.ppid) ?? []), r.pid]);
  const queue = [...members];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()) ?? []) {
      if (!members.has(child)) {
        members.add(child);
        queue.push(child);
      }
    }
  }
  return [...members];
}

function kill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}

const alive = (pid) => {
  const row = stat(pid);
  return row !== null && row.state !== 'Z';
};

async function stopEverything() {
  const linux = process.platform === 'linux';
  const rows = linux ? table() : [];
  const doomed = new Set();
  for (const [pid, start] of children) {
    kill(-pid, 'SIGTERM');
    for (const p of linux ? treeOf(rows, pid, start) : [pid]) doomed.add(p);
  }
  for (const pid of doomed) kill(pid, 'SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  while ([...doomed].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // Whatever is left, and anything born meanwhile.
  const late = linux ? table() : [];
  for (const [pid, start] of children) {
    kill(-pid, 'SIGKILL');
    for (const p of linux ? treeOf(late, pid, start) : []) doomed.add(p);
  }
  for (const pid of doomed) kill(pid, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const what = line[0];
  const rest = line.slice(1);
  if (what === '+') {
    // Already gone: nothing of it to stop, and its pid may be someone else's soon.
    const row = stat(Number(rest));
    if (row || process.platform !== 'linux') children.set(Number(rest), row?.start ?? null);
  }
  else if (what === '-') children.delete(Number(rest));
  else if (what === 'd') dirs.add(rest);
  else if (what === 'r') dirs.delete(rest);
});
lines.on('close', () => void stopEverything());
process.stdin.on('error', () => void stopEverything());
