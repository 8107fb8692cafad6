import { describe, expect, it } from 'vitest';
import { pieceIndex, segment, sentText, totalPieces, type ModelOutput } from './tools.ts';

const json = (text: string): ModelOutput => ({ kind: 'json', json: segment(text) });

/** Every piece of the output, as a stream sends them. */
function pieces(output: ModelOutput): string[] {
  const index = pieceIndex(output);
  const text = output.kind === 'json' ? output.json.text : '';
  return Array.from(index.start, (start, t) => text.slice(start, index.end[t]));
}

describe('segment', () => {
  it('cuts plain text into 4-character pieces, the last one shorter', () => {
    const out = json('{"answer":"hello"}');
    expect(totalPieces(out)).toBe(5);
    expect(pieces(out)).toEqual(['{"an', 'swer', '":"h', 'ello', '"}']);
    expect(sentText(out, 0, 2)).toBe('{"answer');
    expect(sentText(out, 0, 5)).toBe('{"answer":"hello"}');
    expect(sentText(out, 0, 0)).toBe('');
  });

  it('never splits a surrogate pair', () => {
    const text = '{"a":"x😀😀y"}';
    const out = json(text);
    const all = pieces(out);
    expect(all.join('')).toBe(text);
    for (const piece of all) expect(piece).toBe(Buffer.from(piece, 'utf8').toString('utf8'));
    expect(all).toEqual(['{"a"', ':"x😀', '😀y"', '}']);
    expect(totalPieces(out)).toBe(4);
    expect(sentText(out, 0, 2)).toBe('{"a":"x😀');
  });

  it('counts the pieces of every call and cuts the last one sent', () => {
    const calls: ModelOutput = {
      kind: 'calls',
      calls: [
        { id: 'call_1', itemId: 'fc_1', name: 'a', args: segment('{"q":"abcdef"}') },
        { id: 'call_2', itemId: 'fc_2', name: 'b', args: segment('{"n":1}') },
      ],
    };
    expect(totalPieces(calls)).toBe(4 + 2);
    expect(pieceIndex(calls).firstToken).toEqual([0, 4]);
    expect(sentText(calls, 1, 5)).toBe('{"n"');
    expect(sentText(calls, 1, 6)).toBe('{"n":1}');
    expect(sentText(calls, 0, 3)).toBe('{"q":"abcdef');
  });
});
