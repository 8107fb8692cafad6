// Request bodies the mock validates. Unknown fields pass (clients send many); the fields the mock
// reads, and the common sampling knobs, are type-checked so a broken client gets a clear 400.
import { z } from 'zod';

const contentPart = z.looseObject({ type: z.string() });
const content = z.union([z.string(), z.array(contentPart)]);
const streamOptions = z.looseObject({ include_usage: z.boolean().nullish() }).nullish();
const positiveInt = z.int().min(1);
const sampling = {
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.int().min(1).max(1, { message: 'the mock answers with one choice (n=1)' }).nullish(),
};

export const ChatCompletionRequest = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
        content: content.nullish(),
      }),
    )
    .min(1),
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  max_tokens: positiveInt.nullish(),
  max_completion_tokens: positiveInt.nullish(),
  ...sampling,
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

const tokenInput = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.array(z.int()).min(1),
  z.array(z.array(z.int()).min(1)).min(1),
]);

export const CompletionRequest = z.looseObject({
  model: z.string().min(1),
  prompt: tokenInput,
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  max_tokens: positiveInt.nullish(),
  ...sampling,
});
export type CompletionRequest = z.infer<typeof CompletionRequest>;

export const EmbeddingRequest = z.looseObject({
  model: z.string().min(1),
  input: tokenInput,
  dimensions: z.int().min(1).max(8192).nullish(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
});
export type EmbeddingRequest = z.infer<typeof EmbeddingRequest>;

export const MessagesRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: positiveInt,
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content })).min(1),
  system: content.nullish(),
  stream: z.boolean().nullish(),
  temperature: z.number().min(0).max(1).nullish(),
});
export type MessagesRequest = z.infer<typeof MessagesRequest>;
