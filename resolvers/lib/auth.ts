// register and login both hand their arguments to the auth Lambda and raise what it answers.
import { util } from '@aws-appsync/utils';
import type { Context, LambdaRequest } from '@aws-appsync/utils';
import type { AuthEvent, Outcome } from '../../functions/commons/contracts.ts';
import { BUSY_RETRY_SECONDS, ErrorType, internalError, isLambdaFault } from './errors.ts';
import { recordEvent } from './events.ts';

export function invokeAuth(event: AuthEvent): LambdaRequest {
  return { operation: 'Invoke', payload: event };
}

export function authResult<T>(ctx: Context, where: string): T {
  if (ctx.error) {
    if (isLambdaFault(ctx.error)) {
      recordEvent('ServiceBusy', { where, cause: ctx.error.type });
      util.error('The service is busy right now. Try again in a moment.', ErrorType.RateLimited, null, { retryAfterSeconds: BUSY_RETRY_SECONDS });
    }
    internalError(where, ctx.error);
  }
  const outcome = ctx.result as Outcome<T>;
  if (outcome.error) {
    return util.error(outcome.error.message, outcome.error.type, null, outcome.error.info);
  }
  return outcome.data as T;
}
