import { describe, expect, it } from 'vitest';
import { maskCredentials } from './http.ts';

describe('maskCredentials (the url and name tags of a URL with credentials, as k6 masks them)', () => {
  it.each([
    ['http://user:pa%20ss@127.0.0.1:8080/basic?x=1', true, 'http://****:****@127.0.0.1:8080/basic?x=1'],
    ['https://token@api.example.test/v1', false, 'https://****@api.example.test/v1'],
    ['http://u:p@host/path@with-at', true, 'http://****:****@host/path@with-at'],
    ['http://u:p@host?q=a@b', true, 'http://****:****@host?q=a@b'],
    ['http://host/no-credentials', false, 'http://host/no-credentials'],
  ])('%s', (url, hasPassword, masked) => {
    expect(maskCredentials(url, hasPassword)).toBe(masked);
  });
});
