import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseCommandArgs, renderUsage, UsageError, validateFlags, zDurationMs, zNumber, type CommandSpec } from './cli.ts';
import { formatDurationMs, formatGoDuration, parseDurationMs } from './duration.ts';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A demo command.',
  flags: {
    port: { type: 'string', env: 'DEMO_PORT', default: '8080', description: 'port' },
    mockLatency: { type: 'string', default: '50ms', description: 'latency' },
    header: { type: 'string', multiple: true, description: 'header' },
    quiet: { type: 'boolean', short: 'q', description: 'quiet' },
  },
};
const schema = z.object({
  port: zNumber((n) => n.int().min(1).max(65535)),
  mockLatency: zDurationMs('ms'),
  header: z.array(z.string()).optional(),
  quiet: z.boolean().optional(),
});

describe('parseCommandArgs', () => {
  it('applies flags, env and defaults in that order and records where each came from', () => {
    const parsed = parseCommandArgs(spec, ['--mock-latency', '2s', '-q', '--header', 'a: 1', '--header', 'b: 2'], { DEMO_PORT: '9000' });
    expect(validateFlags(schema, parsed)).toEqual({ port: 9000, mockLatency: 2000, header: ['a: 1', 'b: 2'], quiet: true });
    expect(parsed.sources.port).toBe('DEMO_PORT');
    expect(parsed.sources.mockLatency).toBe('--mock-latency');
  });

  it('names the flag and the value in validation errors', () => {
    const parsed = parseCommandArgs(spec, ['--port', 'abc'], {});
    expect(() => validateFlags(schema, parsed)).toThrow(new UsageError('--port: expected a number (got "abc")'));
    const fromEnv = parseCommandArgs(spec, [], { DEMO_PORT: '70000' });
    expect(() => validateFlags(schema, fromEnv)).toThrow(/^DEMO_PORT: .*65535.*\(got "70000"\)$/);
    const latency = parseCommandArgs(spec, ['--mock-latency', 'soon'], {});
    expect(() => validateFlags(schema, latency)).toThrow(/^--mock-latency: expected a duration/);
  });

  it('rejects unknown flags and stray positionals with one line', () => {
    expect(() => parseCommandArgs(spec, ['--nope'], {})).toThrow("unknown flag '--nope'");
    expect(() => parseCommandArgs(spec, ['extra'], {})).toThrow("unexpected argument 'extra'");
  });

  it('renders every flag with its default and env variable', () => {
    const text = renderUsage(spec);
    expect(text).toContain('--port VALUE');
    expect(text).toContain('(default: 8080; env: DEMO_PORT)');
    expect(text).toContain('-q, --quiet');
  });
});

describe('durations', () => {
  it('parses k6 duration strings and bare numbers', () => {
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('10')).toBe(10_000);
    expect(parseDurationMs('10', 'ms')).toBe(10);
    expect(parseDurationMs('10x')).toBeNull();
    expect(parseDurationMs('s')).toBeNull();
    expect(parseDurationMs('')).toBeNull();
  });
  it('formats briefly', () => {
    expect(formatDurationMs(90_000)).toBe('1m30s');
    expect(formatDurationMs(250)).toBe('250ms');
    expect(formatDurationMs(3_600_000)).toBe('1h');
  });

  it("formats as Go's time.Duration prints (k6's banner)", () => {
    const cases: [number, string][] = [[0, '0s'], [0.0005, '500ns'], [0.25, '250µs'], [1.5, '1.5ms'], [500, '500ms'], [2500, '2.5s'], [60_000, '1m0s'], [90_500, '1m30.5s'], [600_000, '10m0s'], [3_600_000, '1h0m0s'], [3_723_000, '1h2m3s']];
    expect(cases.map(([ms]) => formatGoDuration(ms))).toEqual(cases.map(([, text]) => text));
  });
});
