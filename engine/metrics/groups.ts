// Groups and checks as k6 keeps them (lib/models.go): paths joined with "::", ids = md5(path),
// children in the order they were first seen.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';

export const GROUP_SEPARATOR = '::';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

export interface CheckData {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

export interface GroupData {
  name: string;
  path: string;
  id: string;
  groups: GroupData[];
  checks: CheckData[];
}

export class Check {
  readonly path: string;
  readonly id: string;
  passes = 0;
  fails = 0;

  constructor(
    readonly name: string,
    group: Group,
  ) {
    this.path = group.path + GROUP_SEPARATOR + name;
    this.id = md5(this.path);
  }
}

export class Group {
  readonly path: string;
  readonly id: string;
  readonly groups = new Map<string, Group>();
  readonly checks = new Map<string, Check>();

  constructor(
    readonly name: string,
    readonly parent: Group | null,
  ) {
    this.path = parent === null ? '' : parent.path + GROUP_SEPARATOR + name;
    this.id = md5(this.path);
  }

  toJSON(): GroupData {
    return {
      name: this.name,
      path: this.path,
      id: this.id,
      groups: [...this.groups.values()].map((g) => g.toJSON()),
      checks: [...this.checks.values()].map((c) => ({ name: c.name, path: c.path, id: c.id, passes: c.passes, fails: c.fails })),
    };
  }
}

function checkName(kind: 'group' | 'check', name: string): void {
  if (name.includes(GROUP_SEPARATOR)) throw new Error(`group and check names may not contain '${GROUP_SEPARATOR}' (${kind} "${name}")`);
}

export class GroupTree {
  readonly root = new Group('', null);
  private readonly byPath = new Map<string, Group>([['', this.root]]);
  /** The group the running code is in, carried across awaits per VU. */
  private readonly current = new AsyncLocalStorage<Group>();

  /** Path of the group the caller runs in ("" outside any group): k6's `group` tag. */
  currentPath(): string {
    return (this.current.getStore() ?? this.root).path;
  }

  /**
   * Runs `fn` inside the child group `name` of the current group and returns its result. An
   * async `fn` keeps the group across its awaits; timing (group_duration) is the caller's.
   */
  group<T>(name: string, fn: () => T): T {
    const parent = this.current.getStore() ?? this.root;
    return this.current.run(this.child(parent, name), fn);
  }

  /** The child group `name` of the group at `parentPath`, created on first use. */
  ensureGroup(parentPath: string, name: string): Group {
    return this.child(this.groupAt(parentPath), name);
  }

  /** Counts one check result in the group at `groupPath` (created if needed). */
  recordCheck(groupPath: string, name: string, passed: boolean): Check {
    checkName('check', name);
    const group = this.groupAt(groupPath);
    let check = group.checks.get(name);
    if (check === undefined) {
      check = new Check(name, group);
      group.checks.set(name, check);
    }
    if (passed) check.passes++;
    else check.fails++;
    return check;
  }

  /** Adds another tree's groups and check counts (a segment worker's tree, merged in the main thread). */
  merge(data: GroupData): void {
    const walk = (from: GroupData, into: Group): void => {
      for (const c of from.checks) {
        let check = into.checks.get(c.name);
        if (check === undefined) {
          check = new Check(c.name, into);
          into.checks.set(c.name, check);
        }
        check.passes += c.passes;
        check.fails += c.fails;
      }
      for (const child of from.groups) walk(child, this.child(into, child.name));
    };
    walk(data, this.root);
  }

  /** k6's root_group object for handleSummary. */
  toJSON(): GroupData {
    return this.root.toJSON();
  }

  private child(parent: Group, name: string): Group {
    checkName('group', name);
    let group = parent.groups.get(name);
    if (group === undefined) {
      group = new Group(name, parent);
      parent.groups.set(name, group);
      this.byPath.set(group.path, group);
    }
    return group;
  }

  private groupAt(path: string): Group {
    const known = this.byPath.get(path);
    if (known !== undefined) return known;
    if (!path.startsWith(GROUP_SEPARATOR)) throw new Error(`invalid group path "${path}": must be "" or start with "${GROUP_SEPARATOR}"`);
    let group = this.root;
    for (const name of path.slice(GROUP_SEPARATOR.length).split(GROUP_SEPARATOR)) group = this.child(group, name);
    return group;
  }
}
