// The chat's conversation list in a real Chromium against the emulator (the browser stack, with
// per-user limits raised so a test can make many conversations): only your own, most recently
// active first, a page at a time; opening one shows its turns oldest first with earlier ones on
// request; inline rename with its errors next to the field; delete with confirm; continuing a
// conversation (the dev model names the earlier turns it received); the drawer on a phone.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { converse, FIXED_NOW, openSignedIn, roomyUser, seriousViolations, useBrowserStack } from '../helpers/browser.ts';
import { eventually } from '../helpers/eventually.ts';

const stack = useBrowserStack();

const list = (page: Page) => page.locator('.conversations');
const listed = (page: Page) => page.locator('.conversations li');
const labels = (page: Page) => page.locator('.conversations .side-list-label').allTextContents();
const heading = (page: Page) => page.locator('#conversation-title').textContent();
const prompts = (page: Page) => page.locator('.turn .prompt-text').allTextContents();
const answers = (page: Page) => page.locator('.turn .answer .md');

async function send(page: Page, prompt: string): Promise<void> {
  const before = await answers(page).count();
  await page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
  await page.getByRole('textbox', { name: 'Prompt' }).press('Enter');
  await eventually(() => answers(page).count()).toBe(before + 1);
  await eventually(() => page.locator('.turn-generating').count()).toBe(0);
}

describe('the conversation list', () => {
  it('lists only your own conversations, most recently active first, a page at a time, and opens one with its turns oldest first and earlier ones on request', async () => {
    const [ada, bob] = await Promise.all([roomyUser(stack, 'list-ada'), roomyUser(stack, 'list-bob')]);
    await converse(bob.client, ['Not yours to read']);
    // A long conversation first (22 turns), then 21 short ones, each a minute after the one before.
    stack.api.clock.set(FIXED_NOW - 3 * 3600_000);
    await converse(ada.client, ['Long talk', ...Array.from({ length: 21 }, (_, i) => `Turn ${i + 2}`)]);
    for (let i = 1; i <= 21; i += 1) {
      stack.api.clock.set(FIXED_NOW - (22 - i) * 60_000);
      await converse(ada.client, [`Topic ${i}`]);
    }
    const t = await openSignedIn(stack, ada.email);
    const { page } = t;
    try {
      // The buttons, as a keyboard or a screen reader uses them: without IntersectionObserver nothing loads by scrolling
      // (navigation.test.ts scrolls).
      await page.addInitScript(() => Reflect.deleteProperty(globalThis, 'IntersectionObserver'));
      await page.reload();
      t.problems.splice(0); // the first load's requests still on their way were aborted by the reload
      await eventually(() => listed(page).count()).toBe(20);
      const first = await labels(page);
      expect(first).toEqual(Array.from({ length: 20 }, (_, i) => `Topic ${21 - i}`));
      // Each entry says when it was last active (how long ago, the whole time in the reader's clock, Berlin, beside it) and how many turns it has.
      expect(await listed(page).first().locator('.side-list-meta').textContent()).toBe('1 min ago · 1 turn');
      expect(await listed(page).first().locator('time').getAttribute('title')).toMatch(/^Monday,? 30 November 2026 at 21:47$/);
      await list(page).getByRole('button', { name: 'Show older' }).click();
      await eventually(() => listed(page).count()).toBe(22);
      expect((await labels(page)).slice(20)).toEqual(['Topic 1', 'Long talk']);
      expect(await listed(page).last().locator('.side-list-meta').textContent()).toMatch(/^3 hr ago · 22 turns$/);
      expect(await list(page).getByRole('button', { name: 'Show older' }).count()).toBe(0);
      expect((await labels(page)).some((l) => l.includes('Not yours'))).toBe(false);

      await list(page)
        .getByRole('button', { name: /^Long talk/ })
        .click();
      await eventually(() => prompts(page)).toEqual(Array.from({ length: 20 }, (_, i) => `Turn ${i + 3}`));
      expect(await heading(page)).toBe('Long talk');
      expect(await page.locator('.conversations [aria-current="true"] .side-list-label').textContent()).toBe('Long talk');
      await page.getByRole('button', { name: 'Load earlier turns' }).click();
      await eventually(() => prompts(page)).toEqual(['Long talk', ...Array.from({ length: 21 }, (_, i) => `Turn ${i + 2}`)]);
      expect(await page.getByRole('button', { name: 'Load earlier turns' }).count()).toBe(0);
      expect(await answers(page).first().textContent()).toContain('You said: "Long talk"');
      expect(await seriousViolations(page)).toEqual([]);
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('renames a conversation inline, refusing an empty, a too long or an invalid title next to the field, and keeps the new title', async () => {
    const ada = await roomyUser(stack, 'rename');
    const id = await converse(ada.client, ['Name me later']);
    const t = await openSignedIn(stack, ada.email);
    const { page } = t;
    try {
      await listed(page).first().waitFor();
      await page.getByRole('button', { name: 'Rename conversation “Name me later”' }).click();
      const input = page.getByRole('textbox', { name: 'New title for “Name me later”' });
      expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('title');
      expect(await input.inputValue()).toBe('Name me later');
      const error = async () => {
        const id = await input.getAttribute('aria-describedby');
        return id ? page.locator(`[id="${id}"]`).textContent() : null;
      };

      await input.fill('   ');
      await input.press('Enter');
      await eventually(() => input.getAttribute('aria-invalid')).toBe('true');
      expect(await error()).toBe('A title needs at least one character.');
      await input.fill('x'.repeat(201));
      await input.press('Enter');
      await eventually(error).toBe('A title has at most 200 characters; this one has 201.');
      // The API's own refusal shows in the same place.
      await input.fill('Bell\u0007ringer');
      await input.press('Enter');
      await eventually(error).toBe('The title cannot hold control characters or broken Unicode.');
      expect(await seriousViolations(page)).toEqual([]);

      await input.fill('x'.repeat(200));
      await input.fill('Bridge tolls');
      await input.press('Enter');
      await eventually(() => labels(page)).toEqual(['Bridge tolls']);
      expect((await ada.client.conversation(id)).title).toBe('Bridge tolls');
      // The focus goes back to the entry's Rename button; Esc leaves a rename without saving.
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
      await eventually(focused).toBe('Rename conversation “Bridge tolls”');
      await page.keyboard.press('Enter');
      await page.getByRole('textbox', { name: 'New title for “Bridge tolls”' }).fill('Something else');
      await page.keyboard.press('Escape');
      expect(await labels(page)).toEqual(['Bridge tolls']);
      await eventually(focused).toBe('Rename conversation “Bridge tolls”');
      await page.reload();
      await eventually(() => labels(page)).toEqual(['Bridge tolls']);
      expect(t.problems.filter((p) => !p.includes('status of 4'))).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('deletes a conversation after a second click; the open one leaves the screen and the view starts a new conversation', async () => {
    const ada = await roomyUser(stack, 'delete');
    stack.api.clock.set(FIXED_NOW - 60_000);
    const kept = await converse(ada.client, ['Keep this one']);
    stack.api.clock.set(FIXED_NOW - 30_000);
    await converse(ada.client, ['Delete this one', 'Still this one']);
    const t = await openSignedIn(stack, ada.email);
    const { page } = t;
    try {
      await eventually(() => labels(page)).toEqual(['Delete this one', 'Keep this one']);
      await list(page)
        .getByRole('button', { name: /^Delete this one/ })
        .click();
      await eventually(() => prompts(page)).toEqual(['Delete this one', 'Still this one']);
      await list(page).getByRole('button', { name: 'Delete conversation “Delete this one”' }).click();
      expect(await listed(page).count()).toBe(2);
      await list(page).getByRole('button', { name: 'Confirm: delete conversation “Delete this one”' }).click();
      await eventually(() => labels(page)).toEqual(['Keep this one']);
      expect(await heading(page)).toBe('New conversation');
      expect(await page.locator('.turn').count()).toBe(0);
      expect((await ada.client.myConversations()).items.map((c) => c.id)).toEqual([kept]);
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });

  describe.each(['streamed', 'blocking'] as const)('continuing a conversation (%s)', (path) => {
    it('starts a conversation with the first prompt, puts it first in the list and sends the next prompt into it, whose answer knows the first', async () => {
      const ada = await roomyUser(stack, `continue-${path}`);
      stack.api.clock.set(FIXED_NOW - 60_000);
      await converse(ada.client, ['An older conversation']);
      const t = await openSignedIn(stack, ada.email);
      const { page } = t;
      try {
        await eventually(() => labels(page)).toEqual(['An older conversation']);
        if (path === 'blocking') {
          // No real-time endpoint: the page asks with sendPrompt, passing the conversation the same way.
          await page.routeWebSocket(/\/realtime/, (ws) => void ws.close());
          await page.reload();
          await eventually(() => labels(page)).toEqual(['An older conversation']);
        }
        expect(await heading(page)).toBe('New conversation');
        await send(page, 'My name is Ada.');
        await eventually(() => labels(page)).toEqual(['My name is Ada.', 'An older conversation']);
        expect(await heading(page)).toBe('My name is Ada.');
        expect(await answers(page).first().textContent()).not.toContain('I remember');

        await send(page, 'What is my name?');
        expect(await answers(page).nth(1).textContent()).toContain('I remember 1 earlier turn: you first said "My name is Ada."');
        await eventually(() => listed(page).first().locator('.side-list-meta').textContent()).toMatch(/ · 2 turns$/);
        const field = path === 'streamed' ? 'startPrompt' : 'sendPrompt';
        const calls = t.requests.filter((r) => r.url === stack.api.graphqlUrl && (r.body ?? '').includes(field)).map((r) => JSON.parse(r.body!).variables as { conversationId?: string });
        const conversation = (await ada.client.myConversations()).items.find((c) => c.title === 'My name is Ada.');
        expect(calls.map((v) => v.conversationId ?? null)).toEqual([null, conversation!.id]);

        // A new conversation starts from nothing: the model remembers no earlier turn.
        await page.getByRole('button', { name: 'New conversation' }).click();
        expect(await heading(page)).toBe('New conversation');
        expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('prompt');
        await send(page, 'Who am I?');
        expect(await answers(page).first().textContent()).not.toContain('I remember');
        await eventually(() => labels(page)).toEqual(['Who am I?', 'My name is Ada.', 'An older conversation']);
        // And the first one, opened again, goes on where it stopped.
        await list(page)
          .getByRole('button', { name: /^My name is Ada\./ })
          .click();
        await eventually(() => prompts(page)).toEqual(['My name is Ada.', 'What is my name?']);
        await send(page, 'And again?');
        expect(await answers(page).nth(2).textContent()).toContain('I remember 2 earlier turns: you first said "My name is Ada." and last said "What is my name?".');
        expect(t.problems).toEqual([]);
      } finally {
        await t.close();
      }
    });
  });

  it('sits in a drawer on a phone: the button opens it with the focus inside, Esc closes it, and opening a conversation closes it too', async () => {
    const ada = await roomyUser(stack, 'drawer');
    await converse(ada.client, ['Pocket-sized']);
    const t = await openSignedIn(stack, ada.email, { viewport: { width: 360, height: 740 } });
    const { page } = t;
    try {
      const toggle = page.getByRole('button', { name: 'Conversations' });
      const drawer = page.locator('.side-lists');
      expect(await drawer.isVisible()).toBe(false);
      await toggle.click();
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      await eventually(() => drawer.isVisible()).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.closest('.side-lists') !== null)).toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
      await page.keyboard.press('Escape');
      await eventually(() => drawer.isVisible()).toBe(false);
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Conversations');

      await toggle.click();
      await list(page)
        .getByRole('button', { name: /^Pocket-sized/ })
        .click();
      await eventually(() => drawer.isVisible()).toBe(false);
      await eventually(() => prompts(page)).toEqual(['Pocket-sized']);
      expect(await heading(page)).toBe('Pocket-sized');
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
