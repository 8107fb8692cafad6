import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GroupTree } from './groups.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('GroupTree', () => {
  it('reproduces k6 ids: root and the fixture check', () => {
    const tree = new GroupTree();
    tree.recordCheck('', 'is status 200', true);
    tree.recordCheck('', 'is status 200', true);
    tree.recordCheck('', 'is status 200', false);
    expect(tree.toJSON()).toEqual({
      name: '',
      path: '',
      id: 'd41d8cd98f00b204e9800998ecf8427e',
      groups: [],
      checks: [{ name: 'is status 200', path: '::is status 200', id: '548d37ca5f33793206f7832e7cea54fb', passes: 2, fails: 1 }],
    });
  });

  it('nests groups with :: paths, in first-seen order, across awaits', async () => {
    const tree = new GroupTree();
    expect(tree.currentPath()).toBe('');
    await tree.group('login', async () => {
      expect(tree.currentPath()).toBe('::login');
      await new Promise((r) => setTimeout(r, 1));
      tree.recordCheck(tree.currentPath(), 'status 200', true);
      tree.group('inner', () => tree.recordCheck(tree.currentPath(), 'ok', false));
    });
    tree.group('browse', () => undefined);
    expect(tree.currentPath()).toBe('');
    const root = tree.toJSON();
    expect(root.groups.map((g) => [g.name, g.path, g.id])).toEqual([
      ['login', '::login', md5('::login')],
      ['browse', '::browse', md5('::browse')],
    ]);
    const login = root.groups[0];
    expect(login.checks[0]).toEqual({ name: 'status 200', path: '::login::status 200', id: md5('::login::status 200'), passes: 1, fails: 0 });
    expect(login.groups[0].path).toBe('::login::inner');
    expect(login.groups[0].checks[0].path).toBe('::login::inner::ok');
  });

  it('creates groups from a path and refuses names containing ::', () => {
    const tree = new GroupTree();
    tree.recordCheck('::a::b', 'c', true);
    expect(tree.ensureGroup('::a', 'b').path).toBe('::a::b');
    expect(tree.toJSON().groups[0].groups[0].checks[0].path).toBe('::a::b::c');
    expect(() => tree.recordCheck('', 'x::y', true)).toThrow("group and check names may not contain '::'");
    expect(() => tree.group('a::b', () => 1)).toThrow("group and check names may not contain '::'");
    expect(() => tree.recordCheck('nope', 'x', true)).toThrow('invalid group path "nope"');
  });
});
