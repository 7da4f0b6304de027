// @dataSource None
// Internal (IAM only): the model function publishes one event of a streamed prompt. The event
// is checked and passed through; AppSync fans the result out to onPromptEvent subscribers.
import type { Context, NONERequest } from '@aws-appsync/utils';
import type { MutationPublishPromptEventArgs, PromptEvent, PromptEventInput } from '../generated/graphql.ts';
import { validationError } from './lib/errors.ts';

/** AppSync drops real-time messages over 240 KB; a TEXT delta stays far below that (16384 characters are at most 64 KB of UTF-8). */
const MAX_TEXT = 16384;

function check(event: PromptEventInput): void {
  if (event.promptId.length === 0) validationError('event.promptId', 'empty', 'promptId is empty.');
  if (event.userId.length === 0) validationError('event.userId', 'empty', 'userId is empty.');
  if (event.seq < 0) validationError('event.seq', 'outOfRange', `seq must be 0 or more. Received: ${event.seq}`);
  if (event.kind === 'TEXT') {
    if (event.text === null || event.text === undefined) validationError('event.text', 'missing', 'A TEXT event carries text.');
    if (event.text.length > MAX_TEXT) validationError('event.text', 'tooLong', `A TEXT event carries at most ${MAX_TEXT} characters. Received: ${event.text.length}`);
    if (event.offset !== null && event.offset !== undefined && event.offset < 0) {
      validationError('event.offset', 'outOfRange', `offset must be 0 or more. Received: ${event.offset}`);
    }
  }
  if (event.kind === 'DONE' && (event.status === null || event.status === undefined)) {
    validationError('event.status', 'missing', 'A DONE event carries the status.');
  }
  if (event.kind === 'ERROR' && (!event.errorType || !event.message)) {
    validationError('event.errorType', 'missing', 'An ERROR event carries errorType and message.');
  }
}

export function request(ctx: Context<MutationPublishPromptEventArgs>): NONERequest {
  check(ctx.args.event);
  return { payload: ctx.args.event };
}

export function response(ctx: Context<MutationPublishPromptEventArgs>): PromptEvent {
  return ctx.result as PromptEvent;
}
