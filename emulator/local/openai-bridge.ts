// Real answers offline: forwards a Converse request to an OpenAI-compatible chat server
// (Ollama, llama.cpp, LM Studio, vLLM…) set with TOLLGATE_LOCAL_MODEL_URL, and maps the answer,
// its token usage and its failures back to Bedrock's shapes.

export interface BridgeOptions {
  /** Base URL of the OpenAI-compatible API, e.g. http://localhost:11434/v1 */
  url: string;
  /** The upstream model name; the Bedrock model id when absent. */
  model?: string;
  apiKey?: string;
}

export interface BridgeRequest {
  messages: { role: 'user' | 'assistant'; content: { text?: string }[] }[];
  system?: { text?: string }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
}

export interface BridgeResult {
  text: string;
  stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence';
  inputTokens: number;
  outputTokens: number;
}

/** A failure in Bedrock's terms: the error type and HTTP status the SDK expects. */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const text = (blocks: { text?: string }[] = []) => blocks.map((b) => b.text ?? '').join('');

export async function bridgeConverse(options: BridgeOptions, modelId: string, request: BridgeRequest, signal: AbortSignal): Promise<BridgeResult> {
  const config = request.inferenceConfig ?? {};
  const messages = [
    ...(request.system?.length ? [{ role: 'system', content: text(request.system) }] : []),
    ...request.messages.map((m) => ({ role: m.role, content: text(m.content) })),
  ];
  let res: Response;
  try {
    res = await fetch(`${options.url.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
      body: JSON.stringify({
        model: options.model ?? modelId,
        messages,
        max_tokens: config.maxTokens,
        temperature: config.temperature,
        top_p: config.topP,
        stop: config.stopSequences,
        stream: false,
      }),
      signal,
    });
  } catch (error) {
    throw new BridgeError('ServiceUnavailableException', 503, `The local model server at ${options.url} is not reachable: ${(error as Error).message}`);
  }
  if (res.status === 429) throw new BridgeError('ThrottlingException', 429, 'The local model server is busy.');
  if (res.status === 404) throw new BridgeError('ResourceNotFoundException', 404, `The local model server has no model ${options.model ?? modelId}.`);
  if (res.status >= 400 && res.status < 500) throw new BridgeError('ValidationException', 400, `The local model server refused the request (HTTP ${res.status}).`);
  if (!res.ok) throw new BridgeError('InternalServerException', 500, `The local model server failed (HTTP ${res.status}).`);
  const body = (await res.json()) as {
    choices?: { message?: { content?: string }; finish_reason?: string }[];
    usage?: { prompt_tokens?: number; completion_tokens?: number };
  };
  const choice = body.choices?.[0];
  if (!choice) throw new BridgeError('InternalServerException', 500, 'The local model server answered without a choice.');
  const finish = choice.finish_reason;
  return {
    text: choice.message?.content ?? '',
    stopReason: finish === 'length' ? 'max_tokens' : 'end_turn',
    inputTokens: body.usage?.prompt_tokens ?? 0,
    outputTokens: body.usage?.completion_tokens ?? 0,
  };
}
