// @dataSource AuthFunction
// Exchanges email and password for a JWT (API key).
import type { Context, LambdaRequest } from '@aws-appsync/utils';
import type { LoginData } from '../functions/commons/contracts.ts';
import type { MutationLoginArgs } from '../generated/graphql.ts';
import { authResult, invokeAuth } from './lib/auth.ts';
import { sourceIpOf } from './lib/source.ts';

export function request(ctx: Context<MutationLoginArgs>): LambdaRequest {
  return invokeAuth({ action: 'login', email: ctx.args.email, password: ctx.args.password, sourceIp: sourceIpOf(ctx) });
}

export function response(ctx: Context<MutationLoginArgs>): LoginData {
  return authResult<LoginData>(ctx, 'login');
}
