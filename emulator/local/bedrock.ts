// A local Bedrock Runtime (Converse and ConverseStream over HTTP/2 cleartext) backed by the dev model,
// and the few control-plane calls `npm run doctor` makes (emulator/local/bedrock-control.ts).
//
// Model IDs behave as the catalog (infra/models.ts) says they do on AWS: an end-of-life model answers
// 404 ResourceNotFoundException "This model version has reached the end of its life", and a model
// that is reachable only through inference profiles answers 400 ValidationException "…on-demand
// throughput isn’t supported…" when called by its bare ID. IDs the catalog does not know answer.
//
// Fault injection, for tests and e2e runs: a FaultController passed to startBedrock decides per call,
// and any prompt (last user message) containing one of these markers behaves the same way:
//   [[fault:throttle]]       429 ThrottlingException
//   [[fault:error]]          500 InternalServerException ([[fault:error:502]] picks another status)
//   [[fault:timeout:<ms>]]   waits <ms> ms, then 408 ModelTimeoutException (a client with a shorter
//                            timeout gives up first, as it would with a stuck model)
//   [[fault:unavailable]]    503 ServiceUnavailableException
//   [[fault:denied]]         403 AccessDeniedException: model access not granted
//   [[fault:use-case]]       403 AccessDeniedException: Anthropic's use case form not submitted
//   [[fault:eol]]            404 ResourceNotFoundException: the model reached end of life
//   [[fault:on-demand]]      400 ValidationException: on-demand throughput isn't supported
//   [[fault:guardrail]]      200, stopReason guardrail_intervened, the guardrail's message as the
//                            answer and the input tokens charged (as if a guardrail were configured)
// ConverseStream sends its deltas at the pace set by `pace` (TOLLGATE_DEV_MODEL_PACE), so a
// stream offline looks like one on AWS; the markers work the same mid-stream.
//   [[fault:stream-cut:<n>]] a ConverseStream stops after <n> text deltas with a
//                            modelStreamErrorException event; a Converse call's stream is reset
//   [[slow:<ms>]]            answers normally, <ms> ms later (to hold prompts in flight in tests)
//   [[pause:<ms>]]           a ConverseStream waits <ms> ms after its first text delta (to look at
//                            a prompt midway, its answer begun); a Converse call ignores it
//   [[usage:<in>:<out>]]     answers normally but reports these token counts (a model whose
//                            tokenizer counts more than the reservation allowed for)
// Note that the SDK retries 429, 500 and 503 by itself, so a marker fires on every attempt.
import { createServer } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { BridgeError, bridgeConverse, type BridgeOptions } from './openai-bridge.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { catalogModel } from '../../infra/models.ts';
import { startBedrockControl, type ControlPlaneOptions } from './bedrock-control.ts';
import { devModelReply, estimateTokens } from './dev-model.ts';

export type Fault =
  | { kind: 'throttle' }
  | { kind: 'error'; status?: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'unavailable' }
  | { kind: 'accessDenied' }
  | { kind: 'useCaseForm' }
  | { kind: 'endOfLife' }
  | { kind: 'onDemand' }
  | { kind: 'guardrail' }
  | { kind: 'streamCut'; afterDeltas: number };

export interface FaultController {
  next(modelId: string, prompt: string): Fault | undefined;
}

export interface BedrockOptions {
  port?: number;
  host?: string;
  faults?: FaultController;
  /** Answer with an OpenAI-compatible local model server instead of the dev model. */
  bridge?: BridgeOptions;
  /** The control plane's extra models (tests use a LEGACY one); the catalog is always served. */
  control?: ControlPlaneOptions;
  /** ConverseStream's pace: none (every delta at once) unless set. */
  pace?: StreamPace;
}

/**
 * How fast the dev model streams: the wait before the first delta, then each delta after the
 * time its tokens take at `tokensPerSecond` (TOLLGATE_DEV_MODEL_PACE, `<firstTokenMs>:<tokensPerSecond>`).
 */
export interface StreamPace {
  firstTokenMs: number;
  tokensPerSecond: number;
}

/** `npm start`'s pace: a small model on Bedrock, roughly (a choice for realism offline, not a measurement of AWS). */
export const DEFAULT_PACE: StreamPace = { firstTokenMs: 400, tokensPerSecond: 80 };

export function parsePace(raw: string): StreamPace {
  const match = /^(\d+):(\d+)$/.exec(raw.trim());
  if (!match || Number(match[2]) === 0) throw new Error(`TOLLGATE_DEV_MODEL_PACE is <firstTokenMs>:<tokensPerSecond>, e.g. 400:80 (0:1000000 for no wait). Received: ${JSON.stringify(raw)}`);
  return { firstTokenMs: Number(match[1]), tokensPerSecond: Number(match[2]) };
}

export interface LocalBedrock {
  url: string;
  port: number;
  /** The control plane (HTTP/1.1, as the Bedrock SDK client speaks it): AWS_ENDPOINT_URL_BEDROCK. */
  controlUrl: string;
  close(): Promise<void>;
}

type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'guardrail_intervened';

/** What a guardrail answers by default when it blocks (Bedrock's default blocked message). */
export const GUARDRAIL_MESSAGE = 'Sorry, the model cannot answer this question.';

interface ConverseRequest {
  messages: { role: 'user' | 'assistant'; content: { text?: string }[] }[];
  system?: { text?: string }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
}

interface ModelResult {
  text: string;
  stopReason: StopReason;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const MAX_FAULT_DELAY_MS = 10 * 60 * 1000;
const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream)$/;
const FAULT_MARKER = /\[\[fault:(throttle|error|timeout|unavailable|denied|use-case|eol|on-demand|guardrail|stream-cut)(?::(\d+))?\]\]/;
const SLOW_MARKER = /\[\[slow:(\d+)\]\]/;
const PAUSE_MARKER = /\[\[pause:(\d+)\]\]/;
const USAGE_MARKER = /\[\[usage:(\d+):(\d+)\]\]/;

class ServiceError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

const validation = (message: string): ServiceError => new ServiceError('ValidationException', 400, message);

export async function startBedrock(opts: BedrockOptions = {}): Promise<LocalBedrock> {
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Set<Socket>();
  // Aborted on close so that a long [[fault:timeout]] delay does not keep the process alive.
  const closing = new AbortController();
  const server = createServer();

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session) => {
    sessions.add(session);
    // A client that resets mid-request is routine; without a listener Node would crash on it.
    session.on('error', () => undefined);
    session.once('close', () => sessions.delete(session));
  });
  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    res.stream.on('error', () => undefined);
    handle(req, res, opts.faults, closing.signal, opts.bridge, opts.pace).catch(() => {
      if (!res.stream.destroyed) res.stream.close();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const control = await startBedrockControl({ ...opts.control, host: opts.host ?? '127.0.0.1' });

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    controlUrl: control.url,
    async close() {
      closing.abort();
      await control.close();
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      // The SDK pools HTTP/2 sessions; server.close() alone would wait for them to go idle and close.
      // A session half-closed by a GOAWAY can outlive its destroy(), so its socket goes too.
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

async function handle(
  req: Http2ServerRequest,
  res: Http2ServerResponse,
  faults: FaultController | undefined,
  closing: AbortSignal,
  bridge?: BridgeOptions,
  pace?: StreamPace,
): Promise<void> {
  const started = Date.now();
  const requestId = randomUUID();
  try {
    const path = new URL(req.url, 'http://localhost').pathname;
    const route = ROUTE.exec(path);
    if (req.method !== 'POST' || !route) {
      await drain(req);
      throw new ServiceError('UnknownOperationException', 404, `No operation matches ${req.method} ${path}`);
    }
    const modelId = decodeModelId(route[1]);
    const streaming = route[2] === 'converse-stream';
    const request = parseRequest(await readBody(req));
    const prompt = textOf(request.messages[request.messages.length - 1].content);

    const fault = faults?.next(modelId, prompt) ?? faultFromPrompt(prompt) ?? faultFromCatalog(modelId);
    if (fault?.kind === 'guardrail') {
      const blocked = guardrailResult(request, started);
      if (streaming) await writeStream(res, blocked, requestId);
      else writeJson(res, 200, converseOutput(blocked), requestId);
      return;
    }
    const cut = fault?.kind === 'streamCut' ? fault.afterDeltas : undefined;
    if (fault && fault.kind !== 'streamCut') await raise(fault, AbortSignal.any([closing, abortedWith(res)]), modelId);
    if (cut !== undefined && !streaming) {
      // The connection breaks before an answer: the client sees the stream reset.
      res.stream.close(2); // NGHTTP2_INTERNAL_ERROR
      return;
    }
    const slow = SLOW_MARKER.exec(prompt);
    if (slow) await sleep(Math.min(Number(slow[1]), MAX_FAULT_DELAY_MS), undefined, { signal: AbortSignal.any([closing, abortedWith(res)]) });

    const answered = bridge ? await bridged(bridge, modelId, request, started, AbortSignal.any([closing, abortedWith(res)])) : invokeModel(modelId, request, started);
    const usage = USAGE_MARKER.exec(prompt);
    const result = usage ? { ...answered, inputTokens: Number(usage[1]), outputTokens: Number(usage[2]) } : answered;
    const pause = PAUSE_MARKER.exec(prompt);
    const midway = pause ? Math.min(Number(pause[1]), MAX_FAULT_DELAY_MS) : 0;
    if (streaming) await writeStream(res, result, requestId, cut, pace, AbortSignal.any([closing, abortedWith(res)]), midway);
    else writeJson(res, 200, converseOutput(result), requestId);
  } catch (err) {
    if (res.stream.destroyed || res.headersSent) return;
    if (err instanceof ServiceError) {
      writeJson(res, err.status, { message: err.message }, requestId, err.type);
    } else {
      writeJson(res, 500, { message: 'The system encountered an unexpected error during processing.' }, requestId, 'InternalServerException');
    }
  }
}

async function bridged(bridge: BridgeOptions, modelId: string, request: ConverseRequest, started: number, signal: AbortSignal): Promise<ModelResult> {
  try {
    return { ...(await bridgeConverse(bridge, modelId, request, signal)), latencyMs: Date.now() - started };
  } catch (error) {
    if (error instanceof BridgeError) throw new ServiceError(error.type, error.status, error.message);
    throw error;
  }
}

function invokeModel(modelId: string, request: ConverseRequest, started: number): ModelResult {
  const config = request.inferenceConfig ?? {};
  const reply = devModelReply({
    modelId,
    messages: request.messages,
    system: request.system,
    maxTokens: config.maxTokens,
    temperature: config.temperature,
  });
  let text = reply.text;
  let stopReason: StopReason = reply.stopReason;
  let outputTokens = reply.outputTokens;
  const cut = firstStop(text, config.stopSequences ?? []);
  if (cut !== undefined) {
    text = text.slice(0, cut);
    stopReason = 'stop_sequence';
    outputTokens = estimateTokens(text);
  }
  return { text, stopReason, inputTokens: reply.inputTokens, outputTokens, latencyMs: Date.now() - started };
}

/** The guardrail's message instead of the model's: the input was assessed (and is charged). */
function guardrailResult(request: ConverseRequest, started: number): ModelResult {
  const input = [...(request.system ?? []), ...request.messages.flatMap((m) => m.content)].map((b) => b.text ?? '').join('\n');
  return { text: GUARDRAIL_MESSAGE, stopReason: 'guardrail_intervened', inputTokens: estimateTokens(input), outputTokens: 0, latencyMs: Date.now() - started };
}

/** What Bedrock answers today for a catalog model called this way. */
function faultFromCatalog(modelId: string): Fault | undefined {
  const model = catalogModel(modelId.replace(/^(us|eu|apac|jp|au|ca|global)\./, ''));
  if (!model) return undefined;
  if (model.lifecycle === 'EOL') return { kind: 'endOfLife' };
  if (model.modelId === modelId && !model.inRegion) return { kind: 'onDemand' };
  return undefined;
}

function firstStop(text: string, stops: string[]): number | undefined {
  const hits = stops.filter((s) => s !== '').map((s) => text.indexOf(s)).filter((i) => i >= 0);
  return hits.length > 0 ? Math.min(...hits) : undefined;
}

function converseOutput(result: ModelResult): Record<string, unknown> {
  return {
    output: { message: { role: 'assistant', content: [{ text: result.text }] } },
    stopReason: result.stopReason,
    usage: usageOf(result),
    metrics: { latencyMs: result.latencyMs },
  };
}

function usageOf(result: ModelResult): { inputTokens: number; outputTokens: number; totalTokens: number } {
  return {
    inputTokens: result.inputTokens,
    outputTokens: result.outputTokens,
    totalTokens: result.inputTokens + result.outputTokens,
  };
}

function writeJson(
  res: Http2ServerResponse,
  status: number,
  body: Record<string, unknown>,
  requestId: string,
  errorType?: string,
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': requestId,
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(payload);
}

async function writeStream(res: Http2ServerResponse, result: ModelResult, requestId: string, cutAfter?: number, pace?: StreamPace, signal?: AbortSignal, pauseMs = 0): Promise<void> {
  res.writeHead(200, {
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-requestid': requestId,
  });
  res.write(eventFrame('messageStart', { role: 'assistant' }));
  let sent = 0;
  for (const delta of chunks(result.text)) {
    if (pace) {
      const wait = sent === 0 ? pace.firstTokenMs : (estimateTokens(delta) / pace.tokensPerSecond) * 1000;
      if (wait >= 1) await sleep(wait, undefined, { signal });
      if (res.stream.destroyed) return;
    }
    if (cutAfter !== undefined && sent >= cutAfter) {
      // Bedrock ends a broken stream with an exception event, not an HTTP error (the status was 200).
      res.end(eventFrame('modelStreamErrorException', { message: 'The model stream was interrupted. Try your request again.', originalStatusCode: 500 }, 'exception'));
      return;
    }
    res.write(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: delta } }));
    sent += 1;
    if (sent === 1 && pauseMs > 0) {
      await sleep(pauseMs, undefined, { signal });
      if (res.stream.destroyed) return;
    }
  }
  res.write(eventFrame('contentBlockStop', { contentBlockIndex: 0 }));
  res.write(eventFrame('messageStop', { stopReason: result.stopReason }));
  res.end(eventFrame('metadata', { usage: usageOf(result), metrics: { latencyMs: result.latencyMs } }));
}

// A few words per delta, like a real model; splitting only before non-space keeps the join exact.
function chunks(text: string): string[] {
  const words = text.split(/(?<=\s)(?=\S)/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 3) out.push(words.slice(i, i + 3).join(''));
  return out.length > 0 ? out : [''];
}

// AWS event-stream framing: total length, headers length, prelude CRC, headers, payload, message CRC.
function eventFrame(eventType: string, payload: unknown, messageType: 'event' | 'exception' = 'event'): Buffer {
  const headers = Buffer.concat([
    stringHeader(messageType === 'event' ? ':event-type' : ':exception-type', eventType),
    stringHeader(':content-type', 'application/json'),
    stringHeader(':message-type', messageType),
  ]);
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const total = 12 + headers.length + body.length + 4;
  const frame = Buffer.alloc(total);
  frame.writeUInt32BE(total, 0);
  frame.writeUInt32BE(headers.length, 4);
  frame.writeUInt32BE(crc32(frame.subarray(0, 8)), 8);
  headers.copy(frame, 12);
  body.copy(frame, 12 + headers.length);
  frame.writeUInt32BE(crc32(frame.subarray(0, total - 4)), total - 4);
  return frame;
}

function stringHeader(name: string, value: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const valueBytes = Buffer.from(value, 'utf8');
  const out = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length);
  out.writeUInt8(nameBytes.length, 0);
  nameBytes.copy(out, 1);
  out.writeUInt8(7, 1 + nameBytes.length); // header value type 7 = string
  out.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
  valueBytes.copy(out, 4 + nameBytes.length);
  return out;
}

function faultFromPrompt(prompt: string): Fault | undefined {
  const match = FAULT_MARKER.exec(prompt);
  if (!match) return undefined;
  const number = match[2] === undefined ? undefined : Number(match[2]);
  switch (match[1]) {
    case 'throttle':
      return { kind: 'throttle' };
    case 'error':
      return number === undefined ? { kind: 'error' } : { kind: 'error', status: number };
    case 'timeout':
      return { kind: 'timeout', ms: number ?? 0 };
    case 'unavailable':
      return { kind: 'unavailable' };
    case 'use-case':
      return { kind: 'useCaseForm' };
    case 'eol':
      return { kind: 'endOfLife' };
    case 'on-demand':
      return { kind: 'onDemand' };
    case 'guardrail':
      return { kind: 'guardrail' };
    case 'stream-cut':
      return { kind: 'streamCut', afterDeltas: number ?? 1 };
    default:
      return { kind: 'accessDenied' };
  }
}

async function raise(fault: Fault, abort: AbortSignal, modelId: string): Promise<never> {
  switch (fault.kind) {
    case 'throttle':
      throw new ServiceError('ThrottlingException', 429, 'Too many requests, please wait before trying again.');
    case 'error': {
      const status = fault.status !== undefined && fault.status >= 500 && fault.status <= 599 ? fault.status : 500;
      throw new ServiceError('InternalServerException', status, 'The system encountered an unexpected error during processing. Try your request again.');
    }
    case 'timeout':
      await sleep(Math.min(Math.max(0, fault.ms), MAX_FAULT_DELAY_MS), undefined, { signal: abort });
      throw new ServiceError('ModelTimeoutException', 408, 'Model has timed out in processing the request. Try your request again.');
    case 'unavailable':
      throw new ServiceError('ServiceUnavailableException', 503, 'Bedrock is unable to process your request.');
    case 'accessDenied':
      throw new ServiceError('AccessDeniedException', 403, "You don't have access to the model with the specified model ID.");
    case 'useCaseForm':
      throw new ServiceError(
        'AccessDeniedException',
        403,
        'Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model. If you have already filled out the form, try again in 15 minutes.',
      );
    case 'endOfLife':
      throw new ServiceError('ResourceNotFoundException', 404, 'This model version has reached the end of its life. Please refer to the AWS documentation for more details.');
    case 'onDemand':
      throw validation(`Invocation of model ID ${modelId} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`);
    case 'guardrail':
    case 'streamCut':
      throw new Error('a guardrail intervention and a cut stream are answers, not errors');
  }
}

function abortedWith(res: Http2ServerResponse): AbortSignal {
  const controller = new AbortController();
  if (res.stream.destroyed) controller.abort();
  else res.stream.once('close', () => controller.abort());
  return controller.signal;
}

function decodeModelId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw validation('The provided model identifier is invalid.');
  }
}

async function readBody(req: Http2ServerRequest): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw validation('The request body is too large.');
    parts.push(buf);
  }
  return Buffer.concat(parts).toString('utf8');
}

async function drain(req: Http2ServerRequest): Promise<void> {
  for await (const chunk of req) void chunk;
}

function parseRequest(text: string): ConverseRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw validation('The request body is not valid JSON.');
  }
  if (!isObject(body)) throw validation('The request body must be a JSON object.');

  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw validation('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  }
  const parsed = messages.map((m, i) => parseMessage(m, i));
  if (parsed[0].role !== 'user') {
    throw validation('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  }
  if (parsed[parsed.length - 1].role !== 'user') {
    throw validation('The last message in the conversation must be a user message.');
  }

  const request: ConverseRequest = { messages: parsed };
  if (body.system !== undefined) request.system = parseBlocks(body.system, 'system');
  if (body.inferenceConfig !== undefined) request.inferenceConfig = parseInferenceConfig(body.inferenceConfig);
  // guardrailConfig and the other optional members are accepted and ignored: the dev model has no guardrails.
  return request;
}

function parseMessage(value: unknown, index: number): ConverseRequest['messages'][number] {
  if (!isObject(value) || (value.role !== 'user' && value.role !== 'assistant')) {
    throw validation(`messages.${index}.role must be 'user' or 'assistant'.`);
  }
  const content = parseBlocks(value.content, `messages.${index}.content`);
  if (content.length === 0) throw validation(`messages.${index}.content must not be empty.`);
  return { role: value.role, content };
}

function parseBlocks(value: unknown, where: string): { text?: string }[] {
  if (!Array.isArray(value)) throw validation(`${where} must be a list of content blocks.`);
  return value.map((block, i) => {
    if (!isObject(block)) throw validation(`${where}.${i} must be a content block.`);
    if (block.text === undefined) return {};
    if (typeof block.text !== 'string') throw validation(`${where}.${i}.text must be a string.`);
    return { text: block.text };
  });
}

function parseInferenceConfig(value: unknown): NonNullable<ConverseRequest['inferenceConfig']> {
  if (!isObject(value)) throw validation('inferenceConfig must be an object.');
  const config: NonNullable<ConverseRequest['inferenceConfig']> = {};
  if (value.maxTokens !== undefined) {
    if (typeof value.maxTokens !== 'number' || !Number.isInteger(value.maxTokens) || value.maxTokens < 1) {
      throw validation('inferenceConfig.maxTokens must be an integer greater than or equal to 1.');
    }
    config.maxTokens = value.maxTokens;
  }
  if (value.temperature !== undefined) {
    if (typeof value.temperature !== 'number' || !(value.temperature >= 0 && value.temperature <= 1)) {
      throw validation('inferenceConfig.temperature must be a number between 0 and 1.');
    }
    config.temperature = value.temperature;
  }
  if (value.topP !== undefined) {
    if (typeof value.topP !== 'number' || !(value.topP >= 0 && value.topP <= 1)) {
      throw validation('inferenceConfig.topP must be a number between 0 and 1.');
    }
    config.topP = value.topP;
  }
  if (value.stopSequences !== undefined) {
    const stops = value.stopSequences;
    if (!Array.isArray(stops) || !stops.every((s): s is string => typeof s === 'string')) {
      throw validation('inferenceConfig.stopSequences must be a list of strings.');
    }
    config.stopSequences = stops;
  }
  return config;
}

function textOf(blocks: { text?: string }[]): string {
  return blocks
    .map((b) => b.text)
    .filter((t): t is string => t !== undefined)
    .join('\n');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
