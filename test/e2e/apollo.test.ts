// Apollo Client from Node against the API (emulator or deployed stack), set up as in
// examples/apollo.ts: the API key for register/login, the token from login for the rest, and
// AppSync's errorType/errorInfo read back from Apollo's errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginDocument, MyUsageDocument, RegisterDocument, SendPromptDocument } from '../../client/generated/operations.ts';
import { appSyncErrors, createTollgateApollo } from '../../examples/apollo.ts';
import { PASSWORD, uniqueEmail } from '../helpers/emulator.ts';
import { apiTarget, type ApiTarget } from '../helpers/target.ts';

let api: ApiTarget;

beforeAll(async () => {
  api = await apiTarget();
});

afterAll(async () => {
  await api?.stop();
});

/** An Apollo client whose auth link reads the token this user gets from login. */
function apolloUser() {
  let token: string | undefined;
  const apollo = createTollgateApollo({ url: api.graphqlUrl, apiKey: api.apiKey, getToken: () => token, fetch: api.clientFetch() });
  const email = uniqueEmail('apollo');
  return {
    apollo,
    email,
    async signUp() {
      await apollo.mutate({ mutation: RegisterDocument, variables: { email, password: PASSWORD } });
      const { data } = await apollo.mutate({ mutation: LoginDocument, variables: { email, password: PASSWORD } });
      token = data?.login.token;
      return data?.login;
    },
  };
}

/** What the operation was refused with, as AppSync errors. */
const refusal = (operation: Promise<unknown>) => operation.then(() => [], appSyncErrors);

describe('Apollo Client', () => {
  it('registers and logs in with the API key, then prompts and reads fresh usage with the token', async () => {
    const { apollo, email, signUp } = apolloUser();

    const login = await signUp();
    expect(login).toMatchObject({ email });
    expect(login?.token.split('.')).toHaveLength(3);

    const before = await apollo.query({ query: MyUsageDocument });
    expect(before.data.myUsage).toMatchObject({ queries: 0, balance: 50, limit: 50 });

    const { data } = await apollo.mutate({ mutation: SendPromptDocument, variables: { prompt: 'Hello from Apollo' } });
    expect(data?.sendPrompt).toMatchObject({ prompt: 'Hello from Apollo', queries: 1, balance: 49 });
    expect(data?.sendPrompt.response.trim()).not.toBe('');

    const after = await apollo.query({ query: MyUsageDocument });
    expect(after.data.myUsage).toMatchObject({ queries: 1, balance: 49 });
    expect(after.data.myUsage.outputTokens).toBe(data?.sendPrompt.usage.outputTokens);
  });

  it('surfaces EmailTaken when the same email registers again', async () => {
    const { apollo, email, signUp } = apolloUser();
    await signUp();

    const errors = await refusal(apollo.mutate({ mutation: RegisterDocument, variables: { email: email.toUpperCase(), password: PASSWORD } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ errorType: 'EmailTaken' });
  });

  it('surfaces ValidationError with its field and reason for an empty prompt', async () => {
    const { apollo, signUp } = apolloUser();
    await signUp();

    const errors = await refusal(apollo.mutate({ mutation: SendPromptDocument, variables: { prompt: '   ' } }));
    expect(errors).toEqual([expect.objectContaining({ errorType: 'ValidationError', errorInfo: { field: 'prompt', reason: 'empty' } })]);
  });

  it('sends no API key with a token operation, so before login it gets AppSync’s 401', async () => {
    const { apollo } = apolloUser();

    const errors = await refusal(apollo.query({ query: MyUsageDocument }));
    expect(errors).toEqual([expect.objectContaining({ errorType: 'UnauthorizedException' })]);
  });
});
