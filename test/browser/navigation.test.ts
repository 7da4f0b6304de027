// Finding one's way in the chat, in a real Chromium against the emulator: the URL names the open
// conversation (a reload keeps it, Back and Forward move between conversations, a link opens it),
// a link to a conversation that is not yours or was deleted shows "not found" and nothing of
// anyone's; deleting a conversation puts the focus on a neighbour; scrolling to the end of the
// list or the top of a conversation loads more; and a prompt sent blocking with more tokens than
// a blocking answer allows goes with the bound and says so.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { converse, FIXED_NOW, openSignedIn, roomyUser, seriousViolations, useBrowserStack } from '../helpers/browser.ts';
import { eventually } from '../helpers/eventually.ts';

const stack = useBrowserStack();

const list = (page: Page) => page.locator('.conversations');
const labels = (page: Page) => page.locator('.conversations .side-list-label').allTextContents();
const heading = (page: Page) => page.locator('#conversation-title').textContent();
const prompts = (page: Page) => page.locator('.turn .prompt-text').allTextContents();
const hash = (page: Page) => page.evaluate(() => location.hash);
const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? null);

async function send(page: Page, prompt: string): Promise<void> {
  const answers = page.locator('.turn .answer .md');
  const before = await answers.count();
  await page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
  await page.getByRole('textbox', { name: 'Prompt' }).press('Enter');
  await eventually(() => answers.count()).toBe(before + 1);
  await eventually(() => page.locator('.turn-generating').count()).toBe(0);
}

describe('the open conversation in the URL', () => {
  it('names the conversation, keeps it across a reload, moves with Back and Forward, and names a new conversation once its first prompt made it', async () => {
    const ada = await roomyUser(stack, 'url');
    stack.api.clock.set(FIXED_NOW - 120_000);
    const first = await converse(ada.client, ['First talk', 'First talk, again']);
    stack.api.clock.set(FIXED_NOW - 60_000);
    const second = await converse(ada.client, ['Second talk']);
    const t = await openSignedIn(stack, ada.email);
    const { page } = t;
    try {
      expect(await hash(page)).toBe('');
      await list(page).getByRole('button', { name: /^First talk/ }).click();
      await eventually(() => prompts(page)).toEqual(['First talk', 'First talk, again']);
      expect(await hash(page)).toBe(`#/chat/${first}`);
      await list(page).getByRole('button', { name: /^Second talk/ }).click();
      await eventually(() => prompts(page)).toEqual(['Second talk']);
      expect(await hash(page)).toBe(`#/chat/${second}`);

      await page.goBack();
      await eventually(() => prompts(page)).toEqual(['First talk', 'First talk, again']);
      expect(await heading(page)).toBe('First talk');
      expect(await hash(page)).toBe(`#/chat/${first}`);
      await page.goForward();
      await eventually(() => prompts(page)).toEqual(['Second talk']);
      expect(await heading(page)).toBe('Second talk');

      // A reload in the tab: still signed in (the token is in this tab's sessionStorage), the same conversation open.
      await page.reload();
      await eventually(() => prompts(page)).toEqual(['Second talk']);
      expect(await heading(page)).toBe('Second talk');
      expect(await page.locator('.conversations [aria-current="true"] .side-list-label').textContent()).toBe('Second talk');

      // New conversation is #/chat; its first prompt names it in place (no extra history entry).
      await page.getByRole('button', { name: 'New conversation' }).click();
      expect(await hash(page)).toBe('#/chat');
      const entries = await page.evaluate(() => history.length);
      await send(page, 'A third talk');
      const third = (await ada.client.myConversations()).items.find((c) => c.title === 'A third talk')!.id;
      await eventually(() => hash(page)).toBe(`#/chat/${third}`);
      expect(await page.evaluate(() => history.length)).toBe(entries);
      await page.goBack();
      await eventually(() => prompts(page)).toEqual(['Second talk']);

      // The API view keeps its route, and Chat comes back to the conversation that was open.
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'API' }).click();
      expect(await hash(page)).toBe('#/api');
      await page.locator('.graphiql-container').waitFor();
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Chat' }).click();
      await eventually(() => prompts(page)).toEqual(['Second talk']);
      expect(await hash(page)).toBe(`#/chat/${second}`);
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('shows "not found", and nothing of it, for a link to another person’s conversation, a deleted one or no id at all; a prompt from there starts a new conversation', async () => {
    const [ada, bob] = await Promise.all([roomyUser(stack, 'link-ada'), roomyUser(stack, 'link-bob')]);
    const bobs = await converse(bob.client, ['Bob’s secret plans']);
    const gone = await converse(ada.client, ['Soon deleted']);
    await ada.client.deleteConversation(gone);
    const t = await openSignedIn(stack, ada.email, { path: `/#/chat/${bobs}` });
    const { page } = t;
    try {
      for (const id of [bobs, gone, 'not-an-id']) {
        if (id !== bobs) {
          await page.evaluate((h) => (location.hash = h), `#/chat/${id}`);
        }
        await eventually(() => heading(page)).toBe('Conversation not found');
        expect(await page.getByRole('status').filter({ hasText: 'This conversation was not found.' }).count()).toBe(1);
        expect(await page.locator('.turn').count()).toBe(0);
        expect(await page.locator('body').textContent()).not.toContain('secret plans');
        // (Ada's own deleted conversation stays in her prompt history until the purge: only the conversation view is checked.)
        expect(await page.locator('.conversation').textContent()).not.toContain('Soon deleted');
        expect(await hash(page)).toBe(`#/chat/${id}`);
      }
      expect(await seriousViolations(page)).toEqual([]);
      // Bob's conversation is untouched, and the link gave Ada nothing of it.
      expect((await bob.client.conversationTurns(bobs)).items.map((turn) => turn.prompt)).toEqual(['Bob’s secret plans']);

      await send(page, 'Fresh start');
      const fresh = (await ada.client.myConversations()).items.find((c) => c.title === 'Fresh start')!.id;
      await eventually(() => hash(page)).toBe(`#/chat/${fresh}`);
      expect(await heading(page)).toBe('Fresh start');
      expect(await page.locator('.turn .answer .md').first().textContent()).not.toContain('I remember');
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('deleting a conversation from the list', () => {
  it('moves the focus to the next entry, else the one before, else New conversation; the open one leaves the view as before', async () => {
    const ada = await roomyUser(stack, 'focus');
    for (const [i, title] of ['Alpha', 'Bravo', 'Charlie', 'Delta'].entries()) {
      stack.api.clock.set(FIXED_NOW - (4 - i) * 60_000);
      await converse(ada.client, [title]);
    }
    const t = await openSignedIn(stack, ada.email);
    const { page } = t;
    const remove = async (title: string) => {
      const button = list(page).getByRole('button', { name: `Delete conversation “${title}”` });
      await button.focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter'); // "Delete?": confirmed
      await eventually(() => labels(page).then((l) => l.includes(title))).toBe(false);
    };
    try {
      await eventually(() => labels(page)).toEqual(['Delta', 'Charlie', 'Bravo', 'Alpha']);
      await list(page).getByRole('button', { name: /^Delta/ }).click();
      await eventually(() => prompts(page)).toEqual(['Delta']);

      await remove('Charlie');
      await eventually(() => focused(page)).toMatch(/^Bravo/);
      await remove('Alpha');
      await eventually(() => focused(page)).toMatch(/^Bravo/);
      expect(await heading(page)).toBe('Delta');

      // The open one: the view becomes a new conversation, with the focus in the prompt box.
      await remove('Delta');
      await eventually(() => heading(page)).toBe('New conversation');
      expect(await hash(page)).toBe('#/chat');
      await eventually(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('prompt');

      await remove('Bravo');
      await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe('new-conversation');
      expect(await labels(page)).toEqual([]);
      expect((await ada.client.myConversations()).items).toEqual([]);
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('scrolling for more', () => {
  it('loads older conversations at the end of the list and earlier turns at the top of a conversation, keeping the turns in view where they were', async () => {
    const ada = await roomyUser(stack, 'scroll');
    stack.api.clock.set(FIXED_NOW - 3 * 3600_000);
    await converse(ada.client, ['Long talk', ...Array.from({ length: 21 }, (_, i) => `Turn ${i + 2}`)]);
    for (let i = 1; i <= 21; i += 1) {
      stack.api.clock.set(FIXED_NOW - (22 - i) * 60_000);
      await converse(ada.client, [`Topic ${i}`]);
    }
    const t = await openSignedIn(stack, ada.email);
    const { page } = t;
    try {
      const entries = page.locator('.conversations li');
      await eventually(() => entries.count()).toBe(20);
      // The reader scrolls the sidebar down to the end of the list: the next page comes, no click.
      await page.locator('.side').hover();
      for (let i = 0; i < 40 && (await entries.count()) < 22; i += 1) await page.mouse.wheel(0, 400);
      await eventually(() => entries.count()).toBe(22);
      expect((await labels(page)).slice(20)).toEqual(['Topic 1', 'Long talk']);
      expect(await list(page).getByRole('button', { name: 'Show older' }).count()).toBe(0);

      await list(page).getByRole('button', { name: /^Long talk/ }).click();
      await eventually(() => prompts(page)).toEqual(Array.from({ length: 20 }, (_, i) => `Turn ${i + 3}`));
      // Opened at its end; scrolling up to its top reads the earlier turns.
      const where = () => page.evaluate(() => {
        const box = document.querySelector('.turns')!;
        const turn = [...box.querySelectorAll('.prompt-text')].find((p) => p.textContent === 'Turn 3')!;
        return Math.round(turn.getBoundingClientRect().top - box.getBoundingClientRect().top);
      });
      expect(await page.locator('.turns').evaluate((box) => box.scrollTop > 0)).toBe(true);
      expect(await prompts(page)).toHaveLength(20);
      // The reader is at the top (where the earlier turns are asked for as it comes into view); Turn 3 is here.
      const before = await page.locator('.turns').evaluate((box) => {
        box.scrollTop = 0;
        const turn = [...box.querySelectorAll('.prompt-text')].find((p) => p.textContent === 'Turn 3')!;
        return Math.round(turn.getBoundingClientRect().top - box.getBoundingClientRect().top);
      });
      await eventually(() => prompts(page)).toEqual(['Long talk', ...Array.from({ length: 21 }, (_, i) => `Turn ${i + 2}`)]);
      // Turn 3 is where it was: the earlier turns went above it, out of view, and nothing jumped.
      await eventually(where).toBe(before);
      expect(await page.locator('.turns').evaluate((box) => box.scrollTop > 0)).toBe(true);
      expect(await page.getByRole('button', { name: 'Load earlier turns' }).count()).toBe(0);
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('a prompt sent blocking with more tokens than a blocking answer allows', () => {
  it('goes with the blocking bound and says so in its turn, rather than being refused', async () => {
    const ada = await roomyUser(stack, 'capped');
    const t = await openSignedIn(stack, ada.email);
    const { page } = t;
    try {
      // No real-time endpoint: the page finds out only when it sends, and then asks with sendPrompt.
      await page.routeWebSocket(/\/realtime/, (ws) => void ws.close());
      await page.reload();
      await page.getByRole('textbox', { name: 'Prompt' }).waitFor();
      await page.getByRole('button', { name: 'Options' }).click();
      await page.getByLabel('Longest answer (tokens)').fill('2000');
      await page.getByRole('button', { name: 'Done' }).click();
      await send(page, 'Tell me about tolls.');
      const note = page.locator('.turn .capped');
      expect(await note.textContent()).toBe('Sent with 1,024 tokens at most (you chose 2,000): the live connection could not be reached, and a non-streamed answer allows no more.');
      expect(await page.locator('.turn .form-error').count()).toBe(0);
      expect(await page.locator('.turn .answer .md').first().textContent()).toContain('Tell me about tolls.');
      const calls = t.requests.filter((r) => r.url === stack.api.graphqlUrl && (r.body ?? '').includes('sendPrompt')).map((r) => JSON.parse(r.body!).variables as { options?: { maxTokens?: number } });
      expect(calls.map((v) => v.options?.maxTokens)).toEqual([1024]);
      expect(await seriousViolations(page)).toEqual([]);
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
