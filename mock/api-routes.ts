// What the newer API surfaces answer, as data for the app's latency/fault model (app.ts): the
// Responses API, chat and Anthropic requests with tools or a response format, and Anthropic's
// count_tokens. Each builder validates the request first (such a 400 uses no sequence number),
// then plans; only a schema the generator cannot satisfy is refused after planning.
import type { AnswerSpec } from './app.ts';
import { isSharedBody } from './body-cache.ts';
import type { StreamProtocol } from './stream.ts';
import { messageToolBody, messageToolStream, type CountTokensRequest } from './anthropic.ts';
import { chatOutputBody, chatOutputStream } from './chat-output.ts';
import { estimateChatPromptTokens } from './content.ts';
import { modelJsonExtraBytes } from './openai.ts';
import type { RequestPlan } from './plan.ts';
import { endsWithToolResult, estimateResponsesInputTokens, responseBody, responseEcho, responseStream, type ResponseAnswer, type ResponseEcho, type ResponsesRequest } from './responses.ts';
import type { ChatCompletionRequest, MessagesRequest } from './schemas.ts';
import { anthropicTools, chatFormat, chatTools, compileSchemas, planOutput, responsesFormat, responsesTools, toolTokens, type Finish, type ModelOutput, type OutputFormat, type ToolRequest } from './tools.ts';

/** Makes the request's plan (draws its sequence number): prompt tokens and the body's token limit. */
export type MakePlan = (promptTokens: number, maxTokens: number | null | undefined) => RequestPlan;

export interface Planned {
  plan: RequestPlan;
  spec: AnswerSpec;
}

// Renderers are classes, not a pair of closures per request: under the TypeScript loader each
// closure would also pay a defineProperty for its name.
class ChatOutputRender {
  constructor(
    private readonly plan: RequestPlan,
    private readonly model: string,
    private readonly promptTokens: number,
    private readonly includeUsage: boolean,
    private readonly output: ModelOutput,
    private readonly finish: Finish,
  ) {}
  whole(): string {
    return chatOutputBody(this.plan, this.model, this.promptTokens, this.output, this.finish);
  }
  stream(): StreamProtocol {
    return chatOutputStream(this.plan, this.model, this.promptTokens, this.includeUsage, this.output, this.finish);
  }
}

class ResponseRender {
  constructor(
    private readonly plan: RequestPlan,
    private readonly inputTokens: number,
    private readonly echo: ResponseEcho,
    private readonly answer: ResponseAnswer,
  ) {}
  whole(): string {
    return responseBody(this.plan, this.inputTokens, this.echo, this.answer);
  }
  stream(): StreamProtocol {
    return responseStream(this.plan, this.inputTokens, this.echo, this.answer);
  }
}

class MessageToolRender {
  constructor(
    private readonly plan: RequestPlan,
    private readonly model: string,
    private readonly inputTokens: number,
    private readonly output: ModelOutput,
    private readonly finish: Finish,
  ) {}
  whole(): string {
    return messageToolBody(this.plan, this.model, this.inputTokens, this.output, this.finish);
  }
  stream(): StreamProtocol {
    return messageToolStream(this.plan, this.model, this.inputTokens, this.output, this.finish);
  }
}

/**
 * What a request decides by its body alone: tools, output format, prompt tokens. Kept per body
 * object when the body is a cached one (body-cache.ts), which later requests share, with its
 * schemas compiled; a body that was not cached is read each time (a WeakMap entry per request
 * would cost more).
 */
interface Analysis {
  tools: ToolRequest | null;
  format: OutputFormat;
  promptTokens: number;
  echo: ResponseEcho | null;
}

const analyses = new WeakMap<object, Analysis>();

function analysed<R extends object>(req: R, analyse: (req: R) => Analysis): Analysis {
  if (!isSharedBody(req)) return analyse(req);
  let found = analyses.get(req);
  if (found === undefined) {
    found = analyse(req);
    compileSchemas(found.tools, found.format);
    analyses.set(req, found);
  }
  return found;
}

function analyseChat(req: ChatCompletionRequest): Analysis {
  return { tools: chatTools(req), format: chatFormat(req), promptTokens: estimateChatPromptTokens(req.messages) + toolTokens(req.tools), echo: null };
}

function analyseResponse(req: ResponsesRequest): Analysis {
  const body = req as Record<string, unknown>;
  return {
    tools: responsesTools(body, endsWithToolResult(req)),
    format: responsesFormat(body),
    promptTokens: estimateResponsesInputTokens(req) + toolTokens(req.tools),
    echo: responseEcho(req),
  };
}

function analyseMessage(req: MessagesRequest): Analysis {
  return { tools: anthropicTools(req), format: { kind: 'text' }, promptTokens: estimateChatPromptTokens(req.messages, req.system ?? undefined) + toolTokens(req.tools), echo: null };
}

/** Chat with tools, tool_choice or response_format; null for a plain chat request (the fast path). */
export function extendedChat(req: ChatCompletionRequest, makePlan: MakePlan): Planned | null {
  if (req.tools == null && req.tool_choice == null && req.response_format == null) return null;
  const { tools, format, promptTokens } = analysed(req, analyseChat);
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  const plan = makePlan(promptTokens, maxTokens);
  const { output, finish } = planOutput(plan, tools, format, maxTokens, 'call_');
  const includeUsage = req.stream_options?.include_usage === true;
  const spec: AnswerSpec = { kind: 'chat', stream: req.stream === true, model: req.model, promptTokens, includeUsage };
  if (output === null) spec.wholeExtraBytes = modelJsonExtraBytes(req.model);
  else {
    spec.render = new ChatOutputRender(plan, req.model, promptTokens, includeUsage, output, finish);
  }
  return { plan, spec };
}

/** POST /v1/responses. */
export function responsesRoute(req: ResponsesRequest, makePlan: MakePlan): Planned {
  const { tools, format, promptTokens: inputTokens, echo } = analysed(req, analyseResponse);
  const plan = makePlan(inputTokens, req.max_output_tokens);
  const answer = planOutput(plan, tools, format, req.max_output_tokens, 'call_');
  return {
    plan,
    spec: {
      kind: 'response',
      stream: req.stream === true,
      model: req.model,
      promptTokens: inputTokens,
      includeUsage: true,
      render: new ResponseRender(plan, inputTokens, echo!, answer),
      wholeExtraBytes: answer.output === null ? echo!.extraBytes : undefined,
    },
  };
}

/** Anthropic messages with tools; null for a plain request (the usual path). */
export function extendedMessage(req: MessagesRequest, makePlan: MakePlan): Planned | null {
  if (req.tools == null) return null;
  const { tools, format, promptTokens: inputTokens } = analysed(req, analyseMessage);
  const plan = makePlan(inputTokens, req.max_tokens);
  const { output, finish } = planOutput(plan, tools, format, req.max_tokens, 'toolu_');
  const spec: AnswerSpec = { kind: 'message', stream: req.stream === true, model: req.model, promptTokens: inputTokens, includeUsage: false };
  if (output !== null) {
    spec.render = new MessageToolRender(plan, req.model, inputTokens, output, finish);
  }
  return { plan, spec };
}

/** POST /v1/messages/count_tokens: the same estimate a message's usage.input_tokens reports. */
export function countTokensResponse(req: CountTokensRequest): string {
  const inputTokens = estimateChatPromptTokens(req.messages, req.system ?? undefined) + toolTokens(req.tools);
  return `{"input_tokens":${inputTokens}}`;
}
