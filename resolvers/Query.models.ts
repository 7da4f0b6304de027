// @dataSource None
// The allow-listed models, from the MODELS environment variable (id=Name,…).
import type { Context, NONERequest } from '@aws-appsync/utils';
import type { ModelInfo } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';

export function request(ctx: Context): NONERequest {
  callerOf(ctx);
  const models: ModelInfo[] = ctx.env.MODELS.split(',').map((entry) => {
    const parts = entry.split('=');
    return { id: parts[0], name: parts.length > 1 ? parts[1] : parts[0], default: parts[0] === ctx.env.DEFAULT_MODEL };
  });
  return { payload: models };
}

export function response(ctx: Context): ModelInfo[] {
  return ctx.result as ModelInfo[];
}
