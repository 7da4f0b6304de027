// Renewing the public API key of a deployed stack, against AppSync's recorded answers.
import { AppSyncClient, ListApiKeysCommand, UpdateApiKeyCommand } from '@aws-sdk/client-appsync';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY_DAYS, renewApiKeys } from '../../admin/api-key.ts';

const appsync = mockClient(AppSyncClient);
afterEach(() => appsync.reset());

describe('renew-api-key', () => {
  it('moves every key’s expiry 364 days ahead, rounded down to the hour as AppSync stores it', async () => {
    const now = Date.parse('2026-11-30T10:45:00Z');
    appsync.on(ListApiKeysCommand).resolves({ apiKeys: [{ id: 'da2-one', expires: now / 1000 + 86_400 }, { id: 'da2-two', expires: now / 1000 - 86_400 }] });
    appsync.on(UpdateApiKeyCommand).callsFake((input: { id: string; expires: number }) => ({ apiKey: { id: input.id, expires: input.expires } }));
    const renewed = await renewApiKeys(new AppSyncClient({ region: 'us-east-1' }), 'api123', now);
    expect(API_KEY_DAYS).toBeLessThan(365);
    expect(renewed).toEqual([
      { id: 'da2-one', expires: '2027-11-29T10:00:00.000Z' },
      { id: 'da2-two', expires: '2027-11-29T10:00:00.000Z' },
    ]);
    expect(appsync.commandCalls(UpdateApiKeyCommand).map((c) => c.args[0].input)).toEqual([
      { apiId: 'api123', id: 'da2-one', expires: Date.parse('2027-11-29T10:00:00Z') / 1000 },
      { apiId: 'api123', id: 'da2-two', expires: Date.parse('2027-11-29T10:00:00Z') / 1000 },
    ]);
  });

  it('says what to do when the API has no key', async () => {
    appsync.on(ListApiKeysCommand).resolves({ apiKeys: [] });
    await expect(renewApiKeys(new AppSyncClient({ region: 'us-east-1' }), 'api123')).rejects.toThrow(/no API key\. Redeploy the stack/);
  });
});
