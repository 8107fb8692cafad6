import { describe, expect, it } from 'vitest';
import { isSimpleChatRequest } from './fast-validate.ts';
import { Rng } from './random.ts';
import { ChatCompletionRequest } from './schemas.ts';

const base = () => ({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello there.' }] as unknown[] });

// Values to try in every slot: every JSON type, edge numbers, strings that are and are not roles.
const POOL: unknown[] = [
  undefined, null, true, false, 0, 1, 2, 1.5, -1, 3, 0.5, 2 ** 53, 1e400, '', 'x', 'user', 'robot', '1',
  [], [1], ['x'], [{}], [{ type: 'text', text: 'a' }], [{ type: 1 }], [null], {}, { include_usage: true },
  { include_usage: 'yes' }, { role: 'user' }, { role: 'user', content: 'a' }, { role: 'bad', content: 'a' },
  { role: 'assistant', content: null }, { role: 'user', content: [{ type: 'image_url' }] }, { role: 'user', content: 5 },
];
const FIELDS = ['model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'n', 'extra'];

describe('isSimpleChatRequest', () => {
  it('accepts the bodies benchmarks send', () => {
    expect(isSimpleChatRequest(base())).toBe(true);
    expect(isSimpleChatRequest({ ...base(), stream: true, stream_options: { include_usage: true }, max_tokens: 20 })).toBe(true);
    expect(isSimpleChatRequest({ ...base(), max_completion_tokens: 5, temperature: 0.7, top_p: 1, n: 1, user: 'u1' })).toBe(true);
    expect(isSimpleChatRequest({ ...base(), messages: [{ role: 'system', content: 's' }, { role: 'user', content: [{ type: 'text', text: 'a' }] }] })).toBe(true);
  });

  it('never accepts a body zod rejects (20000 random mutations of a valid body)', () => {
    const rng = new Rng(7);
    const pick = <T>(xs: T[]) => xs[Math.floor(rng.next() * xs.length)];
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      const body: Record<string, unknown> = base();
      for (let k = 1 + Math.floor(rng.next() * 3); k > 0; k--) {
        const field = pick(FIELDS);
        if (field === 'messages' && rng.next() < 0.5) {
          // Mutate inside a message instead of replacing the array.
          const m: Record<string, unknown> = { role: 'user', content: 'x' };
          m[pick(['role', 'content'])] = pick(POOL);
          body.messages = rng.next() < 0.5 ? [m] : [{ role: 'user', content: 'a' }, m];
        } else body[field] = pick(POOL);
      }
      const quick = isSimpleChatRequest(body);
      const zod = ChatCompletionRequest.safeParse(body).success;
      if (quick) expect(zod, JSON.stringify(body)).toBe(true);
      if (quick) accepted++;
      if (!zod) rejected++;
    }
    // Both outcomes were exercised, so the comparison above means something.
    expect(accepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });
});
