// @dataSource AuthFunction
// Creates an account (API key). The auth Lambda validates, hashes and creates it conditionally.
import type { Context, LambdaRequest } from '@aws-appsync/utils';
import type { RegisterData } from '../functions/commons/contracts.ts';
import type { MutationRegisterArgs } from '../generated/graphql.ts';
import { authResult, invokeAuth } from './lib/auth.ts';
import { sourceIpOf } from './lib/source.ts';

export function request(ctx: Context<MutationRegisterArgs>): LambdaRequest {
  return invokeAuth({ action: 'register', email: ctx.args.email, password: ctx.args.password, sourceIp: sourceIpOf(ctx) });
}

export function response(ctx: Context<MutationRegisterArgs>): RegisterData {
  return authResult<RegisterData>(ctx, 'register');
}
