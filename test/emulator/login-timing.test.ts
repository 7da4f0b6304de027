// Login does not leak (DESIGN.md): an unknown email costs one bcrypt compare against a dummy hash,
// as a wrong password does, so the two take about as long. This needs the real bcrypt cost, so it
// has an emulator of its own; everything else about identity is in identity.test.ts.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';

let api: TestEmulator;
let db: DynamoDBDocumentClient;

const outcome = (p: Promise<unknown>) => p.then(() => 'ok', () => 'refused');

beforeAll(async () => {
  api = await startTestEmulator({ realBcrypt: true });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: api.dynamodbUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
});

afterAll(async () => {
  db?.destroy();
  await api?.stop();
});

describe('login', () => {
  it('takes about as long for an unknown email as for a wrong password', async () => {
    const email = uniqueEmail('timing');
    await api.client().register(email, PASSWORD);
    const time = async (who: string) => {
      const t = performance.now();
      await outcome(api.client().login(who, 'not the password'));
      return performance.now() - t;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      unknown.push(await time(uniqueEmail('nobody')));
      wrong.push(await time(email));
      // Stay under the throttle: clear the real account's window every few tries.
      if (i % 4 === 3) await db.send(new DeleteCommand({ TableName: api.tableName('LoginAttemptsTable'), Key: { email } }));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const bcryptish = median(wrong);
    expect(Math.abs(median(unknown) - median(wrong))).toBeLessThan(bcryptish / 2);
  });
});
