// The stream function: a streamed prompt (startPrompt), invoked asynchronously (Lambda Event)
// once the prompt is admitted. It calls Bedrock ConverseStream with the request the blocking
// path builds (commons/converse-request.ts), publishes the text as it comes (publish.ts, batched),
// then settles the prompt exactly as the blocking model function does (commons/settle.ts: the
// log record with the whole answer, then the usage), and only then publishes the final event:
// DONE with status, usage, queries and balance (not the answer: AppSync drops messages over its
// size limit, and the answer is in the log), or ERROR with the vocabulary's type. Nobody listening
// changes nothing: a client that disconnects does not stop the generation or its settling.
// A guardrail that intervenes ends the stream BLOCKED; the DONE event then carries the guardrail's
// message as `text` (offset 0), which replaces whatever the client showed.
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ModelAnswer, ModelEvent } from '../commons/contracts.ts';
import { converseStreamRequest } from '../commons/converse-request.ts';
import { intEnv, requireEnv } from '../commons/env.ts';
import { describeError, log } from '../commons/log.ts';
import { settlePrompt } from '../commons/settle.ts';
import { classifyBedrockError } from '../model/errors.ts';
import { answerStatus, type PendingPrompt, type SettleResult } from '../../resolvers/lib/settlement.ts';
import { appSyncPublisher, EventStream, type Publish, type PromptEventBody } from './publish.ts';

const TABLES = { prompts: requireEnv('PROMPTS_TABLE'), usage: requireEnv('USAGE_TABLE') };
/** Text goes out at most this often after the first piece (TOLLGATE_STREAM_BATCH_MS). */
const BATCH_MS = intEnv('STREAM_BATCH_MS', 250);
/** Used when no Lambda context says how long is left (a direct call). */
const TIMEOUT_MS = intEnv('STREAM_TIMEOUT_MS', 120_000);
/** Kept back from the function's time for settling and the final event. */
const SETTLE_MARGIN_MS = 5000;
/**
 * How often the answer so far is saved for prompt(id) (resolvers/lib/claim.ts): every second at
 * first, then at most every quarter of the time the stream has run. An UpdateItem costs a write
 * unit per KB of the item, so saving a long answer every second would cost about the square of
 * its length; this way a snapshot is never older than a quarter of the stream's age, and a
 * 4096-token answer (~16 KB, ~50 s) takes about 20 snapshots instead of 50. The first text is
 * saved at once.
 */
const SNAPSHOT_MS = 1000;
const SNAPSHOT_AGE_FRACTION = 0.25;

const bedrock = new BedrockRuntimeClient(process.env.BEDROCK_REGION ? { region: process.env.BEDROCK_REGION } : {});
const dynamodb = new DynamoDBClient({});
let publisher: Publish | undefined;

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Saves the answer so far in the prompt's claim item (see SNAPSHOT_MS), never waited on. */
function snapshots(pending: PendingPrompt, started: number): { update(text: string): void; done(): Promise<void> } {
  const promptId = pending.id;
  // The turn's place rides on every snapshot (a few bytes, no write of its own), so prompt(id)
  // names the conversation and seq from the first text on; before it, the claim knows neither
  // (a new conversation's id is only settled once a prompt is admitted into it).
  const turn = pending.conversation;
  const names: Record<string, string> = { '#partial': 'partial', '#owner': 'owner' };
  let expression = 'SET #partial = :text';
  const about: Record<string, AttributeValue> = {};
  if (turn) {
    names['#conversationId'] = 'conversationId';
    names['#seq'] = 'seq';
    expression += ', #conversationId = :conversationId, #seq = :seq';
    about[':conversationId'] = { S: turn.id };
    about[':seq'] = { N: String(turn.seq) };
  }
  let last = 0;
  let chain: Promise<void> = Promise.resolve();
  return {
    update(text) {
      const now = Date.now();
      if (now - last < Math.max(SNAPSHOT_MS, (now - started) * SNAPSHOT_AGE_FRACTION)) return;
      last = now;
      chain = chain.then(() =>
        dynamodb
          .send(
            new UpdateItemCommand({
              TableName: TABLES.prompts,
              Key: { userId: { S: '#' + promptId }, id: { S: '#claim' } },
              UpdateExpression: expression,
              ConditionExpression: 'attribute_exists(#owner)',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':text': { S: text }, ...about },
            }),
          )
          .then(
            () => undefined,
            (error: unknown) => log('warn', 'snapshot not saved', { promptId, ...describeError(error) }),
          ),
      );
    },
    done: () => chain,
  };
}

export async function handler(event: ModelEvent, context?: LambdaContext): Promise<{ status: string | null; published: number; failed: number }> {
  const pending = event.pending;
  if (!pending) throw new Error('A stream event carries its admitted prompt (pending).');
  publisher ??= appSyncPublisher(requireEnv('GRAPHQL_URL'));
  const started = Date.now();
  const deadline = started + (context ? context.getRemainingTimeInMillis() : TIMEOUT_MS) - SETTLE_MARGIN_MS;
  const stream = new EventStream({ promptId: pending.id, userId: pending.userId }, publisher, BATCH_MS);
  const saved = snapshots(pending, started);
  let text = '';
  let result: SettleResult;
  let firstTextMs: number | null = null;
  try {
    const out = await bedrock.send(new ConverseStreamCommand(converseStreamRequest(event)), { abortSignal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
    let usage = { inputTokens: 0, outputTokens: 0 };
    let stopReason = 'end_turn';
    for await (const part of out.stream ?? []) {
      const delta = part.contentBlockDelta?.delta?.text;
      if (delta) {
        firstTextMs ??= Date.now() - started;
        text += delta;
        stream.text(delta);
        saved.update(text);
      } else if (part.messageStop) {
        stopReason = part.messageStop.stopReason ?? stopReason;
      } else if (part.metadata?.usage) {
        usage = { inputTokens: part.metadata.usage.inputTokens ?? 0, outputTokens: part.metadata.usage.outputTokens ?? 0 };
      }
    }
    const answer: ModelAnswer = { text, model: event.modelId, ...usage, stopReason };
    result = { answer };
  } catch (error) {
    const failure = classifyBedrockError(error, event.modelId);
    log('warn', 'converse stream failed', { model: event.modelId, ms: Date.now() - started, chars: text.length, retryable: failure.retryable, charged: failure.charged, ...describeError(error) });
    result = { failure: { message: failure.message, retryable: failure.retryable, charged: failure.charged, timedOut: failure.timedOut } };
  }
  await saved.done();
  const { settled, status } = await settlePrompt(TABLES, pending, result, deadline + SETTLE_MARGIN_MS - 500);
  const final = finalEvent(pending.queries, pending.dailyPromptLimit, result, settled, status);
  const stats = await stream.end(final);
  log('info', 'stream', { model: event.modelId, ms: Date.now() - started, firstTextMs, chars: text.length, status, settled, events: stats.published, failedEvents: stats.failed });
  return { status, ...stats };
}

/** DONE or ERROR, as the settled record says the prompt ended. */
function finalEvent(queries: number, limit: number, result: SettleResult, settled: string, status: string | null): PromptEventBody {
  if (settled === 'none') {
    // The same words as the blocking path: the reconciler settles it by the timeout rule.
    return {
      kind: 'ERROR',
      errorType: 'ModelError',
      message: 'This prompt could not be settled just now: if your history lists it as TIMED_OUT, it was charged. Please try again.',
      retryable: true,
    };
  }
  const answer = result.answer;
  if (answer && (status === 'COMPLETED' || status === 'BLOCKED')) {
    const done: PromptEventBody = {
      kind: 'DONE',
      status,
      usage: { inputTokens: answer.inputTokens, outputTokens: answer.outputTokens },
      queries,
      balance: Math.max(0, limit - queries),
    };
    // What the user saw is replaced by the guardrail's message.
    return answerStatus(answer) === 'BLOCKED' ? { ...done, text: answer.text, offset: 0 } : done;
  }
  const failure = result.failure;
  return {
    kind: 'ERROR',
    errorType: 'ModelError',
    status: status ?? undefined,
    message: failure ? failure.message : 'This prompt was settled elsewhere; prompt(id) shows how it ended.',
    retryable: failure ? failure.retryable : true,
  };
}
