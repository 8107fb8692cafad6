import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SummaryData } from './summary.ts';
import { humanizeDuration, renderTextSummary } from './text-summary.ts';

const load = (): SummaryData => JSON.parse(readFileSync(new URL('./testdata/handle-summary-p9999.json', import.meta.url), 'utf8'));
const ANSI = /\x1b\[/;

describe('renderTextSummary', () => {
  it("lays out thresholds, checks and metrics as k6's default (compact) summary", () => {
    const data = load();
    data.metrics.http_req_duration.thresholds!['p(99)<100'] = { ok: false };
    data.metrics.iteration_duration.thresholds = { 'p(99.9)<5000': { ok: true } };
    data.root_group.checks.push({ name: 'token present', path: '::token present', id: '', passes: 1, fails: 0 });
    data.root_group.groups.push({
      name: 'login',
      path: '::login',
      id: '',
      groups: [],
      checks: [
        { name: 'token present', path: '::login::token present', id: '', passes: 2, fails: 1 },
        { name: 'is status 200', path: '::login::is status 200', id: '', passes: 5, fails: 0 },
      ],
    });
    data.metrics.llm_errors = { type: 'counter', contains: 'default', values: { count: 3, rate: 0.1 } };
    data.metrics['checks{tier:gold}'] = { type: 'rate', contains: 'default', values: { rate: 1, passes: 2, fails: 0 } };
    const thresholdValues = new Map([['iteration_duration', new Map([['p(99.9)<5000', 812.5]])]]);
    const text = renderTextSummary(data, { enableColors: false, thresholdValues });
    const lines = text.split('\n');
    expect(text).not.toMatch(ANSI);
    expect(lines).toContain("    ✓ 'p(95)<500' p(95)=59.66ms");
    expect(lines).toContain("    ✗ 'p(99)<100' p(99)=109.76ms");
    // A percentile the summary's stats do not list still shows its value (k6 v1.0+).
    expect(lines).toContain("    ✓ 'p(99.9)<5000' p(99.9)=812.5ms");
    expect(lines).toContain('    checks_total..........: 17044   567.961859/s');
    expect(lines).toContain('    checks_succeeded......: 100.00% 17044 out of 17044');
    expect(lines).toContain('    checks_failed.........: 0.00%   0 out of 17044');
    // Checks once by name, counts added up across groups, in the order first seen; no group tree.
    const checks = lines.slice(lines.indexOf('  █ TOTAL RESULTS')).filter((l) => /^ {4}[✓✗] /.test(l) || l.includes('↳'));
    expect(checks).toEqual(['    ✓ is status 200', '    ✗ token present', '     ↳  75% — ✓ 3 / ✗ 1']);
    expect(text).not.toContain('█ login');
    const line = (name: string) => lines.find((l) => l.includes(` ${name}.`))!;
    expect(line('http_req_duration')).toMatch(/^ {4}http_req_duration\.+: avg=43\.53ms +min=23\.3ms +med=39\.68ms +max=1\.26s +p\(95\)=59\.66ms +p\(99\)=109\.76ms +p\(99\.99\)=1\.08s +count=17044$/);
    expect(line('{ expected_response:true }')).toMatch(/^ {6}\{ expected_response:true \}\.+: avg=43\.53ms/);
    expect(line('http_reqs')).toMatch(/http_reqs\.+: 17044 +567\.961859\/s$/);
    expect(line('http_req_failed')).toMatch(/http_req_failed\.+: 0\.00% +0 out of 17044$/);
    expect(line('data_received')).toMatch(/data_received\.+: 384 MB +13 MB\/s$/);
    expect(line('vus_max')).toMatch(/vus_max\.+: 50 +min=50 +max=50$/);
    // Left out of k6's compact summary: the HTTP phases, group_duration, checks and its submetrics.
    for (const gone of ['http_req_blocked', 'http_req_connecting', 'http_req_tls_handshaking', 'http_req_sending', 'http_req_waiting', 'http_req_receiving', 'group_duration', 'checks', '{ tier:gold }']) {
      expect(lines.filter((l) => l.includes(` ${gone}.`))).toEqual([]);
    }
    // submetric right after its parent; CUSTOM first, then HTTP, EXECUTION, NETWORK
    expect(lines.indexOf(line('{ expected_response:true }'))).toBe(lines.indexOf(line('http_req_duration')) + 1);
    const at = (s: string) => lines.indexOf(s);
    expect(at('    CUSTOM')).toBeLessThan(at(line('llm_errors')));
    expect(at(line('llm_errors'))).toBeLessThan(at('    HTTP'));
    expect(at('    HTTP')).toBeLessThan(at(line('http_req_duration')));
    expect(at(line('http_reqs'))).toBeLessThan(at('    EXECUTION'));
    expect(at('    EXECUTION')).toBeLessThan(at(line('iteration_duration')));
    expect(at(line('vus_max'))).toBeLessThan(at('    NETWORK'));
    expect(at('    NETWORK')).toBeLessThan(at(line('data_received')));
    expect(text).toContain('test run duration: 30s');
  });

  it('colours only for a TTY without noColor', () => {
    const data = load();
    expect(renderTextSummary(data)).toMatch(ANSI); // fixture: isStdOutTTY true, noColor false
    data.options.noColor = true;
    expect(renderTextSummary(data)).not.toMatch(ANSI);
    data.options.noColor = false;
    data.state.isStdOutTTY = false;
    expect(renderTextSummary(data)).not.toMatch(ANSI);
  });

  it('omits the thresholds block when there are none and honours summaryTimeUnit', () => {
    const data = load();
    delete data.metrics.http_req_duration.thresholds;
    data.options.summaryTimeUnit = 'ms';
    const text = renderTextSummary(data, { enableColors: false });
    expect(text).not.toContain('THRESHOLDS');
    expect(text).toContain('max=1269.04ms');
  });
});

describe('humanizeDuration', () => {
  it.each([
    [0, '0s'],
    [0.000158, '158ns'],
    [0.0265, '26.5µs'],
    [43.537, '43.53ms'],
    [1269.04, '1.26s'],
    [65_000, '1m5s'],
    [3_723_000, '1h2m3s'],
  ])('%s ms → %s', (ms, text) => expect(humanizeDuration(ms)).toBe(text));
  it('uses a fixed unit when asked', () => {
    expect(humanizeDuration(1500, 's')).toBe('1.50s');
    expect(humanizeDuration(0.5, 'us')).toBe('500.00µs');
  });
});
