// A data folder written by an older template (its Prompts table without the ByConversation index
// that conversations added) keeps its prompts when `npm start` serves the new one: the local table
// is rebuilt with the index, and conversations work on it at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshUser, startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';
import { TEST_CDK_OUT } from '../helpers/global-setup.ts';
import { resourceNamed, templateVariant } from '../helpers/template-variant.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-upgrade-'));
const older = templateVariant(TEST_CDK_OUT, (r) => {
  const table = resourceNamed(r, 'PromptsTable').Properties as { GlobalSecondaryIndexes?: unknown; AttributeDefinitions: { AttributeName: string }[] };
  delete table.GlobalSecondaryIndexes;
  table.AttributeDefinitions = table.AttributeDefinitions.filter((a) => a.AttributeName === 'userId' || a.AttributeName === 'id');
});
let api: TestEmulator | undefined;

afterAll(async () => {
  await api?.stop();
  older.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a data folder from before conversations', () => {
  it('keeps its prompts and gains the turns index', async () => {
    api = await startTestEmulator({ cdkOut: older.cdkOut, dataDir });
    const user = await freshUser(api, 'upgrade');
    const before = await user.client.sendPrompt('Written by the older template.');
    await api.stop();

    api = await startTestEmulator({ cdkOut: TEST_CDK_OUT, dataDir });
    expect(api.logs.some((l) => l.includes('Rebuilt the local PromptsTable') && l.includes('ByConversation'))).toBe(true);
    const client = api.client(user.token);
    expect((await client.myPrompts()).items.map((p) => p.id)).toEqual([before.id]);
    const next = await client.sendPrompt('And now?', undefined, undefined, before.conversationId);
    expect(next.contextTurns).toBe(1);
  });
});
