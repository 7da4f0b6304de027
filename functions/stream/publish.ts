// Publishes a streamed prompt's events through the API's internal mutation publishPromptEvent,
// signed with the function's own role (IAM auth, SigV4 over the body: commons/aws-json.ts), and
// batches text: the first piece goes out at once, the rest at most every `batchMs`, so an answer
// costs a few AppSync operations instead of one per token. Events go out one at a time in seq
// order; a publish that fails is logged and the stream goes on (settling never waits on it).
import { send, signRequest, type Credentials } from '../commons/aws-json.ts';
import { describeError, log } from '../commons/log.ts';

/** What a subscriber receives (schema.graphql PromptEvent, without its two ids). */
export interface PromptEventBody {
  kind: 'TEXT' | 'DONE' | 'ERROR';
  text?: string;
  offset?: number;
  status?: string;
  usage?: { inputTokens: number; outputTokens: number };
  queries?: number;
  balance?: number;
  errorType?: string;
  message?: string;
  retryable?: boolean;
}

/** publishPromptEvent refuses longer text (resolvers/Mutation.publishPromptEvent.ts). */
export const MAX_EVENT_TEXT = 16384;
const PUBLISH_TIMEOUT_MS = 5000;

// The selection must hold promptId and userId: subscribers' filters compare the mutation's
// selected result, and a field not selected matches nothing (APPSYNC-REALTIME.md §0.3).
const MUTATION = `mutation Publish($event: PromptEventInput!) {
  publishPromptEvent(event: $event) { promptId userId seq kind text offset status usage { inputTokens outputTokens } queries balance errorType message retryable retryAfterSeconds }
}`;

export type Publish = (event: PromptEventBody & { promptId: string; userId: string; seq: number }) => Promise<void>;

/** A publisher to the API at `url` with Lambda's credentials from the environment. */
export function appSyncPublisher(url: string, env: NodeJS.ProcessEnv = process.env): Publish {
  const target = new URL(url);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const credentials: Credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: env.AWS_SESSION_TOKEN };
  return async (event) => {
    const body = JSON.stringify({ query: MUTATION, variables: { event } });
    const headers = signRequest({ method: 'POST', url: target, headers: { 'content-type': 'application/json' }, body, service: 'appsync', region, credentials, now: new Date() });
    const reply = await send(target, headers, body, PUBLISH_TIMEOUT_MS);
    const parsed = JSON.parse(reply.text || '{}') as { errors?: { errorType?: string; message: string }[] };
    if (reply.status !== 200 || parsed.errors?.length) {
      throw new Error(`publishPromptEvent answered ${reply.status} ${reply.errorType ?? ''} ${parsed.errors?.map((e) => `${e.errorType}: ${e.message}`).join('; ') ?? ''}`);
    }
  };
}

export interface StreamStats {
  published: number;
  failed: number;
}

/** One prompt's events in order: text batched, then the final event. */
export class EventStream {
  private seq = 0;
  private offset = 0;
  private buffer = '';
  private sentText = false;
  private lastFlush = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  readonly stats: StreamStats = { published: 0, failed: 0 };

  constructor(
    private readonly ids: { promptId: string; userId: string },
    private readonly publish: Publish,
    private readonly batchMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** More of the answer. */
  text(delta: string): void {
    if (delta === '') return;
    this.buffer += delta;
    if (!this.sentText) {
      this.flush();
      return;
    }
    if (!this.timer) this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastFlush + this.batchMs - this.now()));
  }

  /** The final event (DONE or ERROR) after whatever text is still buffered; resolves once all went out. */
  async end(event: PromptEventBody): Promise<StreamStats> {
    this.flush();
    this.enqueue(event);
    await this.chain;
    return this.stats;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer === '') return;
    const text = this.buffer;
    this.buffer = '';
    this.sentText = true;
    this.lastFlush = this.now();
    for (let i = 0; i < text.length; i += MAX_EVENT_TEXT) {
      const piece = text.slice(i, i + MAX_EVENT_TEXT);
      this.enqueue({ kind: 'TEXT', text: piece, offset: this.offset });
      this.offset += piece.length;
    }
  }

  private enqueue(body: PromptEventBody): void {
    const event = { ...this.ids, seq: this.seq++, ...body };
    this.chain = this.chain.then(
      () =>
        this.publish(event).then(
          () => void (this.stats.published += 1),
          (error: unknown) => {
            this.stats.failed += 1;
            log('warn', 'event not published', { promptId: event.promptId, seq: event.seq, kind: event.kind, ...describeError(error) });
          },
        ),
    );
  }
}
