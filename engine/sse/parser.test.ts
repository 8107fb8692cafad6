import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from './parser.ts';

function parse(chunks: string[]): { events: SseEvent[]; unknown: string[] } {
  const events: SseEvent[] = [];
  const unknown: string[] = [];
  const parser = new SseParser({ event: (e) => events.push(e), unknown: (l) => unknown.push(l) });
  for (const chunk of chunks) parser.feed(Buffer.from(chunk));
  return { events, unknown };
}

const STREAM = 'retry: 5\n: hi\nid: 7\nevent: delta\ndata: {"a":"é€😀"}\ndata: two\n\nid:8\ndata:x\r\n\r\nbogus line\ndata: tail\n\ndata: unfinished\n';

describe('SseParser (xk6-sse rules, incremental)', () => {
  it('reads ids, names, comments, multi-line data; CR stays in ids; junk lines are reported; unfinished events dropped', () => {
    const { events, unknown } = parse([STREAM]);
    expect(events).toEqual([
      { id: '7', comment: 'hi', name: 'delta', data: '{"a":"é€😀"}\ntwo' },
      { id: '8', comment: '', name: '', data: 'x' },
      { id: '', comment: '', name: '', data: 'tail' },
    ]);
    expect(unknown).toEqual(['bogus line\n']);
    expect(parse(['id: 9\r\ndata: y\n\n']).events[0].id).toBe('9\r');
  });

  it('reads data lines with and without the space, empty ones, and leaves look-alikes unknown', () => {
    const { events, unknown } = parse(['data:\ndata:  two\ndata:x\n\ndata\ndatax: y\nData: z\n\n']);
    expect(events).toEqual([
      { id: '', comment: '', name: '', data: '\n two\nx' },
      { id: '', comment: '', name: '', data: '' },
    ]);
    expect(unknown).toEqual(['data\n', 'datax: y\n', 'Data: z\n']);
  });

  it('gives the same result whatever the chunking, multi-byte characters split included', () => {
    const bytes = Buffer.from(STREAM);
    const whole = parse([STREAM]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const events: SseEvent[] = [];
      const parser = new SseParser({ event: (e) => events.push(e), unknown: () => {} });
      parser.feed(bytes.subarray(0, cut));
      parser.feed(bytes.subarray(cut));
      expect(events, `cut at ${cut}`).toEqual(whole.events);
    }
    const oneByOne: SseEvent[] = [];
    const parser = new SseParser({ event: (e) => oneByOne.push(e), unknown: () => {} });
    for (let i = 0; i < bytes.length; i++) parser.feed(bytes.subarray(i, i + 1));
    expect(oneByOne).toEqual(whole.events);
  });

  it('delivers each event as soon as its blank line is read, and nothing after stop()', () => {
    const events: string[] = [];
    const parser = new SseParser({
      event: (e) => {
        events.push(e.data);
        if (e.data === 'b') parser.stop();
      },
      unknown: () => {},
    });
    parser.feed(Buffer.from('data: a\n'));
    expect(events).toEqual([]);
    parser.feed(Buffer.from('\n'));
    expect(events).toEqual(['a']);
    parser.feed(Buffer.from('data: b\n\ndata: c\n\n'));
    parser.feed(Buffer.from('data: d\n\n'));
    expect(events).toEqual(['a', 'b']);
  });
});
