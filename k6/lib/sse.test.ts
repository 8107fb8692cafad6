import { readFileSync } from 'node:fs';
import { _iterSSEMessages } from 'openai/core/streaming';
import { describe, expect, it } from 'vitest';
import { parseSse, SseParser, type SseEvent } from './sse.ts';

const RECORDED = readFileSync(new URL('./testdata/openai-stream.txt', import.meta.url), 'utf8');

/** Feeds `text` in pieces cut at the given offsets. */
function feedSplit(text: string, cuts: number[]): { events: SseEvent[]; parser: SseParser } {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    events.push(...parser.feed(text.slice(from, cut)));
    from = cut;
  }
  return { events, parser };
}

/** A small seeded generator (mulberry32), so a failing split can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The openai SDK's own SSE reader, as an independent reference. */
async function referenceEvents(text: string, cuts: number[]): Promise<{ event: string; data: string }[]> {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let from = 0;
      for (const cut of [...cuts, bytes.length]) {
        controller.enqueue(bytes.slice(from, cut));
        from = cut;
      }
      controller.close();
    },
  });
  const out: { event: string; data: string }[] = [];
  for await (const sse of _iterSSEMessages(new Response(body), new AbortController())) {
    out.push({ event: sse.event ?? 'message', data: sse.data });
  }
  return out;
}

describe('SseParser', () => {
  it('reads an OpenAI chat completion stream', () => {
    const { events, truncated } = parseSse(RECORDED);
    expect(truncated).toBe(false);
    expect(events).toHaveLength(10);
    expect(events.every((e) => e.event === 'message')).toBe(true);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(JSON.parse(events[5].data).choices[0].delta.content).toBe(' — «früh»');
  });

  it('treats LF, CRLF and CR alike', () => {
    const lf = 'data: a\n\ndata: b\n\n';
    for (const text of [lf, lf.replace(/\n/g, '\r\n'), lf.replace(/\n/g, '\r')]) {
      expect(parseSse(text).events.map((e) => e.data)).toEqual(['a', 'b']);
    }
  });

  it('joins multi-line data with \\n and keeps only one leading space', () => {
    expect(parseSse('data: line 1\ndata:line 2\ndata:  two spaces\ndata\n\n').events).toEqual([
      { event: 'message', data: 'line 1\nline 2\n two spaces\n' },
    ]);
  });

  it('skips comments and counts them', () => {
    const result = parseSse(': keep-alive\n\n:another\ndata: x\n: inside\n\n');
    expect(result.events).toEqual([{ event: 'message', data: 'x' }]);
    expect(result.comments).toBe(3);
  });

  it('reads event: and id: lines; events without data are not dispatched', () => {
    const text = 'event: ping\n\nevent: error\nid: 7\ndata: {"error":{"message":"boom"}}\n\ndata: after\n\n';
    expect(parseSse(text).events).toEqual([
      { event: 'error', data: '{"error":{"message":"boom"}}', id: '7' },
      { event: 'message', data: 'after', id: '7' },
    ]);
  });

  it('ignores retry and unknown fields, and strips a leading BOM', () => {
    expect(parseSse('\uFEFFretry: 100\nfoo: bar\ndata: x\n\n').events).toEqual([{ event: 'message', data: 'x' }]);
    // Only a BOM at the very start is special.
    expect(parseSse('data: \uFEFFx\n\n').events[0].data).toBe('\uFEFFx');
  });

  it('drops an event that is not closed by a blank line and reports it', () => {
    const result = parseSse('data: a\n\ndata: [DONE]');
    expect(result.events.map((e) => e.data)).toEqual(['a']);
    expect(result.truncated).toBe(true);
    expect(parseSse('data: a\n\n').truncated).toBe(false);
  });

  it('keeps a CRLF split between two chunks as one line end', () => {
    const text = 'data: a\r\n\r\ndata: b\r\n\r\n';
    for (let cut = 0; cut <= text.length; cut++) {
      expect(feedSplit(text, [cut]).events.map((e) => e.data)).toEqual(['a', 'b']);
    }
  });

  it('gives the same events however the stream is split: every single cut', () => {
    const whole = parseSse(RECORDED).events;
    const crlf = RECORDED.replace(/\n/g, '\r\n');
    const wholeCrlf = parseSse(crlf).events;
    expect(wholeCrlf).toEqual(whole);
    for (const text of [RECORDED, crlf]) {
      for (let cut = 0; cut <= text.length; cut++) expect(feedSplit(text, [cut]).events).toEqual(whole);
    }
  });

  it('gives the same events however the stream is split: random multi-cuts', () => {
    const rnd = random(42);
    const texts = [RECORDED, RECORDED.replace(/\n/g, '\r\n'), RECORDED.replace(/\n/g, '\r'), `: hi\r\n${RECORDED}`];
    const expected = parseSse(RECORDED).events;
    for (let round = 0; round < 300; round++) {
      const text = texts[round % texts.length];
      const cuts = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * text.length)).sort(
        (a, b) => a - b,
      );
      const { events, parser } = feedSplit(text, cuts);
      expect(events, `round ${round}, cuts ${cuts.join(',')}`).toEqual(expected);
      expect(parser.pending).toBe(false);
    }
  });

  it('agrees with the openai SDK reader on byte-level random splits', async () => {
    const rnd = random(7);
    const bytes = new TextEncoder().encode(RECORDED).length;
    const ours = parseSse(RECORDED).events.map((e) => ({ event: e.event, data: e.data }));
    for (let round = 0; round < 50; round++) {
      const cuts = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => Math.floor(rnd() * bytes)).sort((a, b) => a - b);
      expect(await referenceEvents(RECORDED, cuts)).toEqual(ours);
    }
    const tricky = ': c\r\nevent: error\r\ndata: a\r\ndata:b\r\n\r\ndata: x\n\n';
    expect(await referenceEvents(tricky, [3, 4, 20])).toEqual(parseSse(tricky).events.map((e) => ({ event: e.event, data: e.data })));
  });
});
