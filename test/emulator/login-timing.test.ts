// Login does not leak (DESIGN.md): an unknown email costs one bcrypt compare against a dummy hash,
// as a wrong password does, so the two take about as long. This needs the real bcrypt cost, so it
// has an emulator of its own; everything else about identity is in identity.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome, PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';

let api: TestEmulator;

beforeAll(async () => {
  api = await startTestEmulator({ realBcrypt: true });
});

afterAll(async () => {
  await api?.stop();
});

describe('login', () => {
  it('takes about as long for an unknown email as for a wrong password', async () => {
    const email = uniqueEmail('timing');
    await api.client().register(email, PASSWORD);
    const time = async (who: string) => {
      const t = performance.now();
      // Each try from a client (address) of its own, so none is throttled.
      await outcome(api.client().login(who, 'not the password'));
      return performance.now() - t;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      unknown.push(await time(uniqueEmail('nobody')));
      wrong.push(await time(email));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const bcryptish = median(wrong);
    expect(Math.abs(median(unknown) - median(wrong))).toBeLessThan(bcryptish / 2);
  });
});
