import { describe, expect, it } from 'vitest';
import { ExecutionTuple, instanceShare, parseRat, parseSegment, parseSequence, Segment, SegmentError, sequenceString, Share } from './segments.ts';

const tuple = (seg: string, seq?: string) => ExecutionTuple.of(parseSegment(seg), seq === undefined ? null : parseSequence(seq));

/** k6's GetStripedOffsets view of a tuple: first owned index, gaps to the next ones (wrapping), lcd. */
function stripedOffsets(t: ExecutionTuple): { start: number; offsets: number[]; lcd: number } {
  const owned = t.striping.owned[t.index];
  const lcd = t.striping.lcd;
  const offsets = owned.slice(1).map((o, i) => o - owned[i]);
  offsets.push(owned[0] + lcd - owned[owned.length - 1]);
  return { start: owned[0], offsets, lcd };
}

/** Every tuple of the sequence `points` (all its segments). */
const tuplesOf = (points: string) => {
  const seq = parseSequence(points);
  return seq.map((s) => ExecutionTuple.of(s, seq));
};

describe('parsing', () => {
  it('reads percentages, decimals, fractions and whole numbers exactly', () => {
    expect(String(parseRat('50%'))).toBe('1/2');
    expect(String(parseRat('0.5'))).toBe('1/2');
    expect(String(parseRat('1/3'))).toBe('1/3');
    expect(String(parseRat('2/6'))).toBe('1/3');
    expect(String(parseRat('1'))).toBe('1');
    expect(String(parseRat('.25'))).toBe('1/4');
    expect(String(parseRat('2.5e-1'))).toBe('1/4');
  });

  it('reads a segment as from:to, a single value as 0:value, and "" as the whole run', () => {
    expect(String(parseSegment('0:1/2'))).toBe('0:1/2');
    expect(String(parseSegment('1/2:1'))).toBe('1/2:1');
    expect(String(parseSegment('0.5:1'))).toBe('1/2:1');
    expect(String(parseSegment('50%:100%'))).toBe('1/2:1');
    expect(String(parseSegment('1/2'))).toBe('0:1/2');
    expect(parseSegment('').isFull).toBe(true);
    expect(sequenceString(parseSequence('0,1/3,2/3,1'))).toBe('0,1/3,2/3,1');
  });

  it("refuses bad values with k6's messages", () => {
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(SegmentError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(error(() => parseSegment('abc'))).toBe("'abc' is not a valid percentage, decimal, fraction or interval value");
    expect(error(() => parseSegment('12.5%'))).toBe("'12.5%' is not a valid percentage");
    expect(error(() => parseSegment('1/0'))).toContain("'1/0' is not a valid");
    expect(error(() => parseSegment('-1/2:1'))).toBe('segment start value must be at least 0 but was -0.50');
    expect(error(() => parseSegment('1/2:1/3'))).toBe('segment start(0.50) must be less than its end(0.33)');
    expect(error(() => parseSegment('1/2:1/2'))).toBe('segment start(0.50) must be less than its end(0.50)');
    expect(error(() => parseSegment('0:3/2'))).toBe("segment end value can't be more than 1 but was 1.50");
    expect(error(() => parseSequence('1/2'))).toBe('at least 2 points are needed for an execution segment sequence, 1 given');
    expect(error(() => parseSequence('0,2/3,1/3,1'))).toBe('segment start(0.67) must be less than its end(0.33)');
    expect(error(() => tuple('0:1/4', '0,1/2,1'))).toBe("provided segment 0:1/4 can't be found in sequence 0,1/2,1");
    // Without a segment the instance is 0:1, which must then be in the sequence (k6's validation).
    expect(error(() => instanceShare(undefined, '0,1/2,1'))).toBe("provided segment 0:1 can't be found in sequence 0,1/2,1");
  });
});

describe('striping (k6 lib/execution_segment_test.go TestGetStripedOffsets cases)', () => {
  const cases: Array<{ seq?: string; seg: string; start: number; offsets: number[]; lcd: number }> = [
    { seq: '0,0.3,0.5,0.6,0.7,0.8,0.9,1', seg: '0:0.3', start: 0, offsets: [4, 3, 3], lcd: 10 },
    { seq: '0,0.3,0.5,0.6,0.7,0.8,0.9,1', seg: '0.3:0.5', start: 1, offsets: [4, 6], lcd: 10 },
    { seq: '0,0.3,0.5,0.6,0.7,0.8,0.9,1', seg: '0.5:0.6', start: 2, offsets: [10], lcd: 10 },
    { seq: '0,0.3,0.5,0.6,0.7,0.8,0.9,1', seg: '0.6:0.7', start: 3, offsets: [10], lcd: 10 },
    { seq: '0,0.3,0.5,0.6,0.7,0.8,0.9,1', seg: '0.8:0.9', start: 8, offsets: [10], lcd: 10 },
    { seq: '0,0.3,0.5,0.6,0.7,0.8,0.9,1', seg: '0.9:1', start: 9, offsets: [10], lcd: 10 },
    { seq: '0,0.2,0.5,0.6,0.7,0.8,0.9,1', seg: '0:0.2', start: 1, offsets: [4, 6], lcd: 10 },
    { seq: '0,0.2,0.5', seg: '0:0.2', start: 3, offsets: [6, 4], lcd: 10 },
    { seq: '0,0.2,0.5', seg: '0.2:0.5', start: 1, offsets: [4, 2, 4], lcd: 10 },
    { seq: '0,2/5,4/5', seg: '0:2/5', start: 0, offsets: [3, 2], lcd: 5 },
    { seq: '0,2/5,4/5', seg: '2/5:4/5', start: 1, offsets: [3, 2], lcd: 5 },
    { seg: '0:0.2', start: 1, offsets: [5], lcd: 5 },
    { seg: '0:0.4', start: 1, offsets: [2, 3], lcd: 5 },
    { seg: '2/5:4/5', start: 1, offsets: [3, 2], lcd: 5 },
    { seg: '1/10:5/10', start: 1, offsets: [2, 2, 4, 2], lcd: 10 },
  ];
  for (const c of cases) {
    it(`${c.seg} in ${c.seq ?? '(no sequence)'}`, () => {
      expect(stripedOffsets(tuple(c.seg, c.seq))).toEqual({ start: c.start, offsets: c.offsets, lcd: c.lcd });
    });
  }

  it('re-cuts a sequence by a value as k6 does (0,1/3,2/3,1 by 20 → 0,7/20,7/10,1)', () => {
    expect(sequenceString(tuple('0:1/3', '0,1/3,2/3,1').forValue(20).striping.sequence)).toBe('0,7/20,7/10,1');
    // A multiple of the lcd keeps the sequence.
    const t = tuple('0:1/3', '0,1/3,2/3,1');
    expect(t.forValue(30)).toBe(t);
  });
});

describe('parts add up to the whole', () => {
  const sequences = ['0,1/2,1', '0,1/3,2/3,1', '0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0,1/7,3/7,1'];
  for (const points of sequences) {
    it(`scale(n) over ${points} sums to n, and the owned indices partition 0..n-1`, () => {
      const tuples = tuplesOf(points);
      for (const n of [0, 1, 2, 3, 5, 7, 10, 11, 99, 100, 1000, 3001]) {
        expect(tuples.reduce((sum, t) => sum + t.scale(n), 0)).toBe(n);
      }
      const n = 3001;
      const all = tuples.flatMap((t) => Array.from({ length: t.scale(n) }, (_, k) => t.nth(k)));
      expect(all.every((g) => g < n)).toBe(true);
      expect(all.sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    });

    it(`shared iterations over ${points}: each part's iterations (striped by its VUs) add up exactly`, () => {
      for (const [vus, iterations] of [
        [1, 3001],
        [2, 3001],
        [3, 10],
        [7, 100],
        [10, 3001],
      ]) {
        const shares = tuplesOf(points).map((t) => new Share([t]));
        const parts = shares.map((s) => (s.scale(vus) === 0 ? 0 : s.forValue(vus).scale(iterations)));
        expect(parts.reduce((a, b) => a + b, 0)).toBe(iterations);
        // Every part with iterations has a VU to run them.
        shares.forEach((s, i) => expect(parts[i] === 0 || s.scale(vus) > 0).toBe(true));
        const indices = shares.flatMap((s, i) => (parts[i] === 0 ? [] : Array.from({ length: parts[i] }, (_, k) => s.forValue(vus).nth(k))));
        expect(indices.sort((a, b) => a - b)).toEqual([...Array(iterations).keys()]);
      }
    });
  }

  it('a worker split of an instance splits exactly that instance part', () => {
    const instance = new Share([tuple('1/3:2/3', '0,1/3,2/3,1')]);
    for (const n of [2, 3, 4]) {
      const workers = Array.from({ length: n }, (_, i) => instance.subdivide(i, n));
      for (const value of [0, 1, 5, 100, 3001]) {
        expect(workers.reduce((sum, w) => sum + w.scale(value), 0)).toBe(instance.scale(value));
      }
      const mine = Array.from({ length: instance.scale(3001) }, (_, k) => instance.nth(k));
      const theirs = workers.flatMap((w) => Array.from({ length: w.scale(3001) }, (_, k) => w.nth(k)));
      expect(theirs.sort((a, b) => a - b)).toEqual(mine);
    }
    // Workers of the whole run are the segments of 0,1/n,...,1, exactly as n k6 instances.
    const w = Share.FULL.subdivide(1, 3);
    const k6 = new Share([tuple('1/3:2/3', '0,1/3,2/3,1')]);
    for (const v of [1, 2, 10, 3001]) expect(w.scale(v)).toBe(k6.scale(v));
    expect(Share.FULL.subdivide(0, 1)).toBe(Share.FULL);
  });

  it('splits a segment into equal parts', () => {
    expect(parseSegment('0:1/2').split(2).map(String)).toEqual(['0:1/4', '1/4:1/2']);
    expect(Segment.FULL.split(3).map(String)).toEqual(['0:1/3', '1/3:2/3', '2/3:1']);
  });
});
