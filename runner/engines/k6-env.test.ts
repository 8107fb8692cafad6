import { describe, expect, it } from 'vitest';
import { envFlagsSchema, formatCommand, parseExtraEnv, scenarioEnv, shellQuote } from './k6-env.ts';

describe('scenarioEnv', () => {
  it('passes TARGET, NAME, OUTPUT always and other contract variables only when given, in contract order', () => {
    const flags = envFlagsSchema.parse({ target: 'http://h:1', name: 'n', output: 'o/', requests: '5', apiKey: 'k', env: ['X=1', 'Y=a=b'] });
    expect(scenarioEnv(flags, { CLOUD_NAME: 'c', CLOUD_PROJECT_ID: undefined })).toEqual([
      ['TARGET', 'http://h:1'], ['REQUESTS', '5'], ['API_KEY', 'k'], ['NAME', 'n'], ['OUTPUT', 'o/'], ['CLOUD_NAME', 'c'], ['X', '1'], ['Y', 'a=b'],
    ]);
  });

  it('turns --header flags into the HEADERS JSON the scripts read', () => {
    const flags = envFlagsSchema.parse({ target: 'http://h:1', name: 'n', output: 'o/', header: ['X-Team: a', 'Authorization: Bearer t:1'] });
    expect(scenarioEnv(flags)).toContainEqual(['HEADERS', '{"X-Team":"a","Authorization":"Bearer t:1"}']);
    expect(envFlagsSchema.safeParse({ target: 'http://h', name: 'n', output: 'o', header: ['no colon'] }).error?.issues[0].message).toBe('expected "Name: value"');
    expect(() => parseExtraEnv(['HEADERS={}'])).toThrow('-e HEADERS: use --header instead');
  });

  it('validates each flag with a message naming what was expected', () => {
    const bad = (values: Record<string, unknown>) => envFlagsSchema.safeParse({ target: 'http://h', name: 'n', output: 'o', ...values }).error?.issues[0].message;
    expect(bad({ target: 'ftp://x' })).toBe('expected an http:// or https:// URL');
    expect(bad({ duration: 'soon' })).toMatch(/expected a duration/);
    expect(bad({ rate: '0' })).toBe('expected a number > 0');
    expect(bad({ endpoint: 'v1/chat' })).toBe('expected a path starting with /');
    expect(bad({ name: 'a b' })).toMatch(/it names files/);
    expect(bad({ duration: '1m30s', warmup: '5', requests: '10' })).toBeUndefined();
  });

  it('refuses -e for keys with their own flag, the cloud token, and malformed pairs', () => {
    expect(() => parseExtraEnv(['REQUESTS=1'])).toThrow('-e REQUESTS: use --requests instead');
    expect(() => parseExtraEnv(['MAX_VUS=1'])).toThrow('-e MAX_VUS: use --max-vus instead');
    expect(() => parseExtraEnv(['CLOUD_NAME=x'])).toThrow(/-e CLOUD_NAME: use/);
    expect(() => parseExtraEnv(['k6_cloud_token=x'])).toThrow(/token is read from the environment only/);
    expect(() => parseExtraEnv(['=x'])).toThrow('-e "=x": expected KEY=VALUE');
    expect(() => parseExtraEnv(['NOVALUE'])).toThrow(/expected KEY=VALUE/);
  });
});

describe('formatCommand', () => {
  it('masks secret-looking -e values and quotes for a POSIX shell', () => {
    const argv = ['k6', 'cloud', 'run', '-e', 'API_KEY=sk-1', '-e', 'HEADERS=Authorization: Bearer x', '-e', 'MY_TOKEN=t', '-e', "PROMPT=it's", 'dist/basic.js'];
    expect(formatCommand(argv)).toBe("k6 cloud run -e API_KEY=*** -e HEADERS=*** -e MY_TOKEN=*** -e 'PROMPT=it'\\''s' dist/basic.js");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote('TARGET=https://x.example.com:8443/v1')).toBe('TARGET=https://x.example.com:8443/v1');
  });
});
