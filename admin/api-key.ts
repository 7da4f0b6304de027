// Renews the public API key (register and login) of a deployed stack: AppSync refuses keys that
// live longer than 365 days from creation or update (UpdateApiKey,
// https://docs.aws.amazon.com/appsync/latest/APIReference/API_UpdateApiKey.html, checked
// 2026-11-30), so a stack left alone for a year stops accepting sign-ins unless it is renewed or
// redeployed. Expired keys can still be renewed for 60 days, until AppSync deletes them.
import { AppSyncClient, ListApiKeysCommand, UpdateApiKeyCommand } from '@aws-sdk/client-appsync';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AdminError } from './target.ts';

/** As the stack sets it: 364 days, a day short of AppSync's limit for clock drift. */
export const API_KEY_DAYS = 364;

export async function renewApiKeys(appsync: AppSyncClient, apiId: string, now = Date.now()): Promise<{ id: string; expires: string }[]> {
  const keys = (await appsync.send(new ListApiKeysCommand({ apiId }))).apiKeys ?? [];
  if (keys.length === 0) throw new AdminError(`API ${apiId} has no API key. Redeploy the stack to create it.`);
  // AppSync rounds expiry down to the hour; do it here so the answer matches what it stores.
  const expires = Math.floor((now + API_KEY_DAYS * 86_400_000) / 3_600_000) * 3600;
  const renewed: { id: string; expires: string }[] = [];
  for (const key of keys) {
    const out = await appsync.send(new UpdateApiKeyCommand({ apiId, id: key.id!, expires }));
    renewed.push({ id: key.id!, expires: new Date((out.apiKey?.expires ?? expires) * 1000).toISOString() });
  }
  return renewed;
}

export async function apiIdOf(stage: string, region: string | undefined): Promise<string> {
  const cfn = new CloudFormationClient(region ? { region } : {});
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: `Tollgate-${stage}` }));
    const apiId = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'ApiId')?.OutputValue;
    if (!apiId) throw new AdminError(`Stack Tollgate-${stage} has no ApiId output.`);
    return apiId;
  } catch (error) {
    if (error instanceof AdminError) throw error;
    throw new AdminError(`Could not read stack Tollgate-${stage}: ${(error as Error).name}: ${(error as Error).message}`);
  } finally {
    cfn.destroy();
  }
}
