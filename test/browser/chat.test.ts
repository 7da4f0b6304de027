// The web page's chat in a real Chromium against the emulator (two models, 3 prompts a day):
// the journey at three viewport sizes — sign up, send, read the answer, continue the conversation
// with another model, use up the quota, see the exhausted state, log out everywhere — with
// axe-core and screenshots, then the keyboard, the paste guard, inline errors and hostile Markdown.
// The conversation list in detail: ./conversations.test.ts.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, TollgateError } from '../../client/index.ts';
import { BROWSER_CDK_OUT } from '../helpers/browser-setup.ts';
import { FIXED_NOW, launchChromium, openPage, screenshot, seriousViolations, VIEWPORTS, type TestPage } from '../helpers/browser.ts';
import { eventually } from '../helpers/eventually.ts';
import { freshUser, PASSWORD, startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

let api: TestEmulator;
let browser: Browser;
/** While true, Bedrock throttles prompts that mention "flaky" (every SDK attempt of them). */
let flaky = false;

beforeAll(async () => {
  const faults = { next: (_model: string, prompt: string) => (flaky && prompt.includes('flaky') ? { kind: 'throttle' as const } : undefined) };
  // The dev model writes at a pace (TOLLGATE_DEV_MODEL_PACE's option), so answers stream in several pieces.
  [api, browser] = await Promise.all([startTestEmulator({ cdkOut: BROWSER_CDK_OUT, faults, devModelPace: { firstTokenMs: 150, tokensPerSecond: 40 } }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

async function signUp(page: Page, email: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.locator('form').getByRole('button', { name: 'Create an account' }).click();
  await page.getByRole('textbox', { name: 'Prompt' }).waitFor();
}

async function logIn(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.locator('form').getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('textbox', { name: 'Prompt' }).waitFor();
}

const answers = (page: Page) => page.locator('.turn .answer');

async function ask(page: Page, prompt: string): Promise<void> {
  const before = await answers(page).locator('.md').count();
  // As a person would: the composer offers Send again (not Stop) once the last answer is done.
  await eventually(() => page.locator('form button.stop').count()).toBe(0);
  const box = page.getByRole('textbox', { name: 'Prompt' });
  await box.fill(prompt);
  await box.press('Enter');
  try {
    await eventually(() => answers(page).locator('.md').count()).toBe(before + 1);
  } catch (error) {
    // Say what the page shows instead of an answer (an error turn, a prompt never sent).
    const shown = await page.locator('.turn').last().textContent();
    throw new Error(`No answer to "${prompt}" appeared; the last turn reads: ${shown}; the prompt box holds: ${await box.inputValue()}`, { cause: error });
  }
  await eventually(() => page.locator('.turn-generating').count()).toBe(0);
}

/**
 * Records each length the answer being written takes on screen (a MutationObserver in the page),
 * so a test can tell text that grew piece by piece from text that came whole.
 */
async function watchGrowth(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { answerLengths: number[] }).answerLengths = seen;
    new MutationObserver(() => {
      const writing = document.querySelector('.turn-generating .answer .md');
      const length = writing?.textContent?.length ?? 0;
      if (length > 0 && seen[seen.length - 1] !== length) seen.push(length);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { answerLengths: number[] }).answerLengths);
}

const storedToken = (page: Page) => page.evaluate(() => (JSON.parse(sessionStorage.getItem('tollgate.session') ?? 'null') as { token: string } | null)?.token ?? null);

/**
 * Elements reaching past the window's right edge, as short descriptions: nothing may need the
 * page to scroll sideways at any width from 360 px up. What a scrolling box of its own holds (the
 * history's row on a phone) may reach further; the box itself may not.
 */
const overflowingWidth = (page: Page) =>
  page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const inScroller = (el: HTMLElement) => {
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) if (getComputedStyle(up).overflowX !== 'visible') return true;
      return false;
    };
    const out = [...document.querySelectorAll<HTMLElement>('body *')].filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.right > width + 1 && !el.closest('.visually-hidden') && !inScroller(el);
    });
    const page = document.documentElement.scrollWidth > width ? [`the page scrolls sideways (${document.documentElement.scrollWidth} px in ${width} px)`] : [];
    return [...page, ...out.slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className} reaches ${Math.round(el.getBoundingClientRect().right)} px`)];
  });

describe.each(VIEWPORTS)('the chat at $width×$height', (viewport) => {
  it('signs up, answers in Markdown, switches model, runs out of prompts, says when they come back and logs out everywhere', async () => {
    api.clock.set(FIXED_NOW);
    const t = await openPage(browser, api.url + '/', viewport);
    const { page } = t;
    try {
      await page.getByLabel('Email').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `login-${viewport.name}`);
      // Tollgate's own icon, from the page's origin.
      const icon = await page.locator('link[rel=icon]').evaluate((l) => (l as HTMLLinkElement).href);
      const served = await page.request.get(icon);
      expect([icon.startsWith(api.url + '/'), served.status(), served.headers()['content-type']]).toEqual([true, 200, 'image/svg+xml']);
      expect(await served.text()).toContain('<svg');

      const email = `ada-${viewport.width}@example.com`;
      await signUp(page, email);
      // Log out and back in: the journey goes through both forms.
      await page.locator('.account summary').click();
      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await logIn(page, email);
      await eventually(() => page.locator('.usage').textContent()).toContain('0 of 3');
      expect(await overflowingWidth(page)).toEqual([]);
      expect(await page.locator('.usage .resets').textContent()).toBe('Resets tomorrow at 01:00 CET (in 3 h 12 min)');

      const usageReads = () => t.requests.filter((r) => r.url === api.graphqlUrl && (r.body ?? '').includes('"operationName":"MyUsage"')).length;
      const readsBefore = usageReads();
      expect(readsBefore).toBeGreaterThan(0);
      const lengths = await watchGrowth(page);
      await ask(page, 'What does a **toll gate** do?');
      // Streamed: the answer grew on screen in more than one step before it was done.
      const grown = await lengths();
      expect(grown.length).toBeGreaterThan(1);
      expect(grown).toEqual([...grown].sort((a, b) => a - b));
      const first = answers(page).first();
      expect(await first.locator('.md strong').textContent()).toBe('toll gate');
      expect(await first.textContent()).toContain('[tollgate dev model]');
      expect(await first.locator('.who').textContent()).toContain('Amazon Nova 2 Lite');
      await eventually(() => page.locator('.usage').textContent()).toContain('1 of 3');

      // Copy answer puts the answer's Markdown on the clipboard.
      await first.getByRole('button', { name: 'Copy answer' }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('You said: "What does a **toll gate** do?"');
      await first.getByRole('button', { name: 'Copy answer' }).waitFor();

      // The first prompt started a conversation: it heads the list and the view.
      await eventually(() => page.locator('.conversations .side-list-label').allTextContents()).toEqual(['What does a toll gate do?']);
      expect(await page.locator('#conversation-title').textContent()).toBe('What does a toll gate do?');

      // Continue the conversation, with another model: the model receives the earlier turn.
      await page.getByLabel('Model').selectOption({ label: 'Claude Haiku 4.5' });
      await ask(page, 'And in one word?');
      expect(await answers(page).nth(1).locator('.who').textContent()).toContain('Claude Haiku 4.5');
      expect(await answers(page).nth(1).textContent()).toContain('us.anthropic.claude-haiku-4-5-20251001-v1:0');
      expect(await answers(page).nth(1).textContent()).toContain('I remember 1 earlier turn: you first said "What does a toll gate do?".');

      await ask(page, 'Last one for today.');
      const exhausted = page.locator('.exhausted');
      await eventually(() => exhausted.textContent()).toBe('You have used all 3 prompts for today. They come back tomorrow at 01:00 CET (in 3 h 12 min).');
      await page.getByRole('textbox', { name: 'Prompt' }).fill('One more?');
      expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
      await page.getByRole('textbox', { name: 'Prompt' }).press('Enter');
      expect(await answers(page).count()).toBe(3);
      await eventually(() => page.locator('.history li').count()).toBe(3);
      await eventually(() => page.locator('.conversations .side-list-meta').allTextContents()).toEqual(['just now · 3 turns']);
      // The meter counted from each answer's end (DONE's usage, queries and balance): myUsage was not read again.
      expect(usageReads()).toBe(readsBefore);
      const counted = await createClient({ url: api.graphqlUrl, token: (await storedToken(page))! }).myUsage();
      expect(await page.locator('.usage .gauge').nth(1).textContent()).toContain(`${(counted.inputTokens + counted.outputTokens).toLocaleString('en-GB')} of`);

      expect(await seriousViolations(page)).toEqual([]);
      expect(await overflowingWidth(page)).toEqual([]);
      await page.getByRole('textbox', { name: 'Prompt' }).fill('');
      await screenshot(page, `chat-${viewport.name}`);

      const token = await storedToken(page);
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      await page.locator('.account summary').click();
      await page.getByRole('button', { name: 'Log out everywhere' }).click();
      await page.getByLabel('Email').waitFor();
      expect(await storedToken(page)).toBeNull();
      // The token the page held no longer spends: admission re-reads the account at once.
      const refused = await createClient({ url: api.graphqlUrl, token: token! })
        .sendPrompt('Still there?')
        .then(() => 'ok', (e: unknown) => (e instanceof TollgateError ? e.errorType : String(e)));
      expect(refused).toBe('Unauthorized');

      expect(t.problems).toEqual([]);
      // Nothing left the page's own origin (the API is served there too).
      expect(t.requests.filter((r) => !r.url.startsWith(api.url + '/'))).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('the chat, in detail', () => {
  const open = async () => {
    api.clock.set(FIXED_NOW);
    const t = await openPage(browser, api.url + '/');
    await t.page.getByLabel('Email').waitFor();
    return t;
  };
  const promptBox = (page: Page) => page.getByRole('textbox', { name: 'Prompt' });
  /** The page's calls that start a prompt (startPrompt; sendPrompt where it cannot stream). */
  const promptCalls = (t: TestPage, field: 'startPrompt' | 'sendPrompt' = 'startPrompt') => t.requests.filter((r) => r.url === api.graphqlUrl && (r.body ?? '').includes(field));

  it('shows each sign-in error next to its field, and holds the button back while logins are refused', async () => {
    const t = await open();
    const { page } = t;
    try {
      const taken = await freshUser(api, 'taken');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByLabel('Email').fill('newcomer@example.com');
      await page.getByLabel('Password').fill('short');
      await page.locator('form').getByRole('button', { name: 'Create an account' }).click();
      const password = page.getByLabel('Password');
      await eventually(() => password.getAttribute('aria-invalid')).toBe('true');
      const passwordError = await password.getAttribute('aria-describedby');
      expect(await page.locator(`[id="${passwordError}"]`).textContent()).toBe('The password needs at least 8 characters.');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password');

      await page.getByLabel('Email').fill(taken.email);
      await password.fill(PASSWORD);
      await page.locator('form').getByRole('button', { name: 'Create an account' }).click();
      const email = page.getByLabel('Email');
      await eventually(() => email.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator(`[id="${await email.getAttribute('aria-describedby')}"]`).textContent()).toContain('An account with this email exists already');
      expect(await password.getAttribute('aria-invalid')).toBeNull();

      await page.getByRole('button', { name: 'Log in' }).first().click();
      await email.fill(taken.email);
      await password.fill('not the password at all');
      await page.locator('form').getByRole('button', { name: 'Log in' }).click();
      await eventually(() => password.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator(`[id="${await password.getAttribute('aria-describedby')}"]`).textContent()).toBe('That email and password do not match an account.');

      // Failures from this page's address (127.0.0.1) up to the per-client limit: the next login is held back.
      const locked = await freshUser(api, 'locked');
      const sameAddress = api.clientFrom('127.0.0.1');
      for (let i = 0; i < 10; i += 1) await sameAddress.login(locked.email, 'wrong password, again').catch(() => undefined);
      await email.fill(locked.email);
      await password.fill(PASSWORD);
      await page.locator('form').getByRole('button', { name: 'Log in' }).click();
      const formError = page.locator('.form-error');
      await eventually(() => formError.textContent()).toMatch(/Try again in \d+ min/);
      expect(await page.locator('form button[type=submit]').isDisabled()).toBe(true);
      expect(await page.locator('form button[type=submit]').textContent()).toMatch(/^Try again in \d+ min/);
      expect(await seriousViolations(page)).toEqual([]);

      await logIn(page, taken.email);
      expect(t.problems.filter((p) => !p.includes('status of 4'))).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('sends on Enter, not on Shift+Enter nor on the Enter that ends an input-method composition, and Esc stops waiting', async () => {
    const t = await open();
    const { page } = t;
    try {
      await logIn(page, (await freshUser(api, 'keys')).email);
      const box = promptBox(page);
      await box.click();
      await page.keyboard.type('line one');
      await page.keyboard.press('Shift+Enter');
      await page.keyboard.type('line two');
      expect(await box.inputValue()).toBe('line one\nline two');

      // An IME (Japanese, Chinese…) confirms its candidate with Enter while composing: the
      // browser marks that keydown isComposing (keyCode 229), and it comes between
      // compositionstart and compositionend.
      await box.fill('こんにちは');
      await box.dispatchEvent('keydown', { key: 'Enter', code: 'Enter', isComposing: true, keyCode: 229, bubbles: true });
      await box.dispatchEvent('compositionstart', { data: '' });
      await box.press('Enter');
      expect(promptCalls(t)).toEqual([]);
      await box.dispatchEvent('compositionend', { data: 'こんにちは' });
      await box.fill('こんにちは');
      await box.press('Enter');
      await eventually(() => answers(page).locator('.md').count()).toBe(1);
      expect(JSON.parse(promptCalls(t)[0]!.body!).variables.prompt).toBe('こんにちは');

      await box.fill('[[slow:8000]] take your time');
      await box.press('Enter');
      await page.getByRole('button', { name: 'Stop' }).waitFor();
      await page.keyboard.press('Escape');
      await eventually(() => page.locator('.turn-stopped').count()).toBe(1);
      expect(await page.locator('.turn-stopped .status-note').textContent()).toContain('Stopped showing this answer.');
      await page.getByRole('button', { name: 'Send' }).waitFor();
      expect(await answers(page).locator('.md').count()).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('refuses a paste that would pass the prompt limit, saying the limit, and sends nothing', async () => {
    const t = await open();
    const { page } = t;
    try {
      await logIn(page, (await freshUser(api, 'paste')).email);
      const box = promptBox(page);
      await box.fill('Summarise: ');
      await page.evaluate(() => navigator.clipboard.writeText('x'.repeat(4_100)));
      await box.focus();
      await page.keyboard.press('End');
      await page.keyboard.press('Control+V');
      const message = page.locator('.composer .field-error');
      await eventually(() => message.textContent()).toBe(
        'Not pasted: with it the prompt would have 4,111 characters, and Tollgate accepts at most 4,000. Shorten the text and paste it again.',
      );
      expect(await box.inputValue()).toBe('Summarise: ');

      // Typed (or dropped) past the limit: Send stays off and the counter says so.
      await box.fill('y'.repeat(4_001));
      await eventually(() => message.textContent()).toBe('The prompt has 4,001 characters; Tollgate accepts at most 4,000.');
      expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
      await box.press('Enter');
      expect(promptCalls(t)).toEqual([]);

      // The limit the page enforces is the API's: 4,000 is accepted.
      await box.fill('z'.repeat(4_000));
      await box.press('Enter');
      await eventually(() => answers(page).locator('.md').count()).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('keeps answer options within the API’s bounds, sends them with the prompt, shows the prompt again from the history after a reload, and deletes it there on a second click', async () => {
    const t = await open();
    const { page } = t;
    try {
      await logIn(page, (await freshUser(api, 'options')).email);
      const button = page.getByRole('button', { name: /^Options/ });
      await button.click();
      const dialog = page.getByRole('dialog', { name: 'Answer options' });
      const maxTokens = dialog.getByLabel('Longest answer (tokens)');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('number');
      // The chat streams, and a streamed prompt may ask for up to the stack's STREAM_MAX_OUTPUT_TOKENS (4,096 here).
      await maxTokens.fill('4097');
      await eventually(() => dialog.locator('.field-error').first().textContent()).toBe('A whole number from 1 to 4,096.');
      expect(await maxTokens.getAttribute('max')).toBe('4096');
      await maxTokens.fill('4096');
      await eventually(() => dialog.locator('.field-error').count()).toBe(0);
      await maxTokens.fill('64');
      await dialog.getByLabel('Temperature').fill('1.5');
      await eventually(() => dialog.locator('.field-error').textContent()).toBe('A number from 0 to 1.');
      await dialog.getByLabel('Temperature').fill('0.2');
      expect(await seriousViolations(page)).toEqual([]);
      await page.keyboard.press('Escape');
      expect(await dialog.count()).toBe(0);
      expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Options');

      await promptBox(page).fill('Short, please.');
      await promptBox(page).press('Enter');
      await eventually(() => answers(page).locator('.md').count()).toBe(1);
      expect(JSON.parse(promptCalls(t)[0]!.body!).variables.options).toEqual({ model: 'us.amazon.nova-2-lite-v1:0', maxTokens: 64, temperature: 0.2 });
      await page.locator('.turn-done').waitFor();

      // A reload keeps the session (the tab's sessionStorage) and the open conversation (the URL), and the prompt is in the history.
      await page.reload();
      await page.locator('.history li').first().waitFor();
      await eventually(() => page.locator('.turn .prompt-text').allTextContents()).toEqual(['Short, please.']);
      await page.getByRole('button', { name: 'New conversation' }).click();
      expect(await answers(page).count()).toBe(0);
      await page.locator('.history li button').first().click();
      expect(await page.locator('.turn .prompt-text').textContent()).toBe('Short, please.');
      expect(await answers(page).first().locator('.md').textContent()).toContain('[tollgate dev model]');

      // Delete asks once more before it deletes; then the prompt leaves the history, the screen and the API.
      await page.getByRole('button', { name: 'Delete “Short, please.”' }).click();
      expect(await page.locator('.history li').count()).toBe(1);
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Confirm: delete “Short, please.”' }).click();
      await eventually(() => page.locator('.history li').count()).toBe(0);
      expect(await page.locator('.turn').count()).toBe(0);
      expect(await page.locator('.history').textContent()).toContain('Your prompts will be listed here.');
      const token = (await storedToken(page))!;
      expect((await createClient({ url: api.graphqlUrl, token }).myPrompts()).items).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('offers Retry when the model failed in a retryable way, and retries as a new generation', async () => {
    const t = await open();
    const { page } = t;
    try {
      await logIn(page, (await freshUser(api, 'retry')).email);
      flaky = true;
      await promptBox(page).fill('A flaky question');
      await promptBox(page).press('Enter');
      const retry = page.getByRole('button', { name: 'Retry' });
      await retry.waitFor();
      expect(await page.locator('.turn .form-error').textContent()).toMatch(/\S/);
      flaky = false;
      await retry.click();
      await eventually(() => answers(page).locator('.md').count()).toBe(1);
      expect(await page.locator('.turn').count()).toBe(1);
      // A streamed prompt's id names one generation (a repeat of it replays how it ended), so the
      // retry starts under a new id; the throttled first one was refunded.
      const ids = promptCalls(t).map((r) => JSON.parse(r.body!).variables.promptId as string);
      expect(ids).toHaveLength(2);
      expect(ids[0]).not.toBe(ids[1]);
      // The failed attempt was not charged (Bedrock throttled it): one prompt used.
      await eventually(() => page.locator('.usage').textContent()).toContain('1 of 3');
    } finally {
      flaky = false;
      await t.close();
    }
  });

  it('gives Send back when the quota comes back, at the time it said', async () => {
    api.clock.set(FIXED_NOW);
    const user = await freshUser(api, 'comeback');
    const client = api.client(user.token);
    for (const prompt of ['one', 'two', 'three']) await client.sendPrompt(prompt);
    const t = await openPage(browser, api.url + '/', undefined, 'light', 'controlled');
    const { page } = t;
    try {
      await logIn(page, user.email);
      await eventually(() => page.locator('.exhausted').textContent()).toBe('You have used all 3 prompts for today. They come back tomorrow at 01:00 CET (in 3 h 12 min).');
      await promptBox(page).fill('Is it tomorrow yet?');
      expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);

      // An hour later the page says so by itself (the meter and the banner count down).
      await page.clock.fastForward('01:00:00');
      await eventually(() => page.locator('.exhausted').textContent()).toBe('You have used all 3 prompts for today. They come back tomorrow at 01:00 CET (in 2 h 12 min).');
      expect(await page.locator('.usage .resets').textContent()).toBe('Comes back tomorrow at 01:00 CET (in 2 h 12 min)');

      // Midnight UTC passes, for the API and for the page: the page looks again by itself.
      api.clock.set(FIXED_NOW + (3 * 60 + 12) * 60_000 + 5_000);
      await page.clock.fastForward('02:12:05');
      await eventually(() => page.locator('.usage').textContent()).toContain('0 of 3');
      expect(await page.locator('.exhausted').count()).toBe(0);
      expect(await page.locator('.usage .resets').textContent()).toBe('Resets tomorrow at 01:00 CET (in 24 h)');
      await page.getByRole('button', { name: 'Send' }).click();
      await eventually(() => answers(page).locator('.md').count()).toBe(1);
      await eventually(() => page.locator('.usage').textContent()).toContain('1 of 3');
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('reads in dark mode too, with no serious accessibility violations, and takes focus in reading order', async () => {
    api.clock.set(FIXED_NOW);
    const t = await openPage(browser, api.url + '/', { width: 1366, height: 860 }, 'dark');
    const { page } = t;
    try {
      await page.getByLabel('Email').waitFor();
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(20, 18, 16)');
      expect(await seriousViolations(page)).toEqual([]);
      // Tab order: the views, then the form top to bottom.
      const order: string[] = [];
      for (let i = 0; i < 8; i += 1) {
        await page.keyboard.press('Tab');
        order.push(await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          return el?.getAttribute('name') ?? el?.textContent?.trim() ?? '';
        }));
      }
      expect(order).toEqual(['Tollgate', 'Chat', 'API', 'Log in', 'Sign up', 'email', 'password', 'Log in']);
      await logIn(page, (await freshUser(api, 'dark')).email);
      await promptBox(page).fill('Dark **and** readable?');
      await promptBox(page).press('Enter');
      await eventually(() => answers(page).locator('.md').count()).toBe(1);
      expect(await seriousViolations(page)).toEqual([]);
      await page.locator('.account summary').click();
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('shows markup and script from the model as text, and links only to http(s)', async () => {
    const t = await open();
    const { page } = t;
    try {
      await logIn(page, (await freshUser(api, 'hostile')).email);
      // The dev model repeats the start of the prompt in its answer, so the answer carries this.
      await promptBox(page).fill('<img src=x onerror="window.pwned=1"> [go](javascript:window.pwned=2)');
      await promptBox(page).press('Enter');
      const answer = answers(page).first().locator('.md');
      await page.locator('.turn-done').waitFor();
      expect(await answer.textContent()).toContain('<img src=x onerror="window.pwned=1">');
      expect(await answer.locator('img, script, iframe, [onerror]').count()).toBe(0);
      expect(await answer.locator('a').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('streamed answers', () => {
  const open = async (who: string) => {
    api.clock.set(FIXED_NOW);
    const t = await openPage(browser, api.url + '/');
    await t.page.getByLabel('Email').waitFor();
    const user = await freshUser(api, who);
    await logIn(t.page, user.email);
    return { t, user };
  };
  const promptBox = (page: Page) => page.getByRole('textbox', { name: 'Prompt' });
  const send = async (page: Page, prompt: string) => {
    await promptBox(page).fill(prompt);
    await promptBox(page).press('Enter');
  };
  const record = (user: { token: string }, id: string) => createClient({ url: api.graphqlUrl, token: user.token }).prompt(id);
  const startedId = (t: TestPage) => JSON.parse(t.requests.find((r) => r.url === api.graphqlUrl && (r.body ?? '').includes('startPrompt'))!.body!).variables.promptId as string;

  it('stops showing the answer on Stop while the model goes on, and says the prompt is charged as it settles', async () => {
    const { t, user } = await open('stream-stop');
    const { page } = t;
    try {
      await send(page, 'A long answer, please, about toll gates and their keepers.');
      const writing = page.locator('.turn-generating .answer .md');
      await writing.waitFor();
      await page.getByRole('button', { name: 'Stop' }).click();
      await page.locator('.turn-stopped').waitFor();
      const shown = await answers(page).first().locator('.md').textContent();
      expect(await page.locator('.turn-stopped .status-note').textContent()).toContain('charged as usual');
      // The subscription ended: the answer on screen stays as it was while the log gets the whole answer.
      const id = startedId(t);
      await eventually(() => record(user, id).then((r) => r.status)).toBe('COMPLETED');
      const whole = (await record(user, id)).response ?? '';
      expect(whole.length).toBeGreaterThan((shown ?? '').length);
      expect(await answers(page).first().locator('.md').textContent()).toBe(shown);
      await eventually(() => page.locator('.usage').textContent()).toContain('1 of 3');
      expect(await seriousViolations(page)).toEqual([]);
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('ends on the error when the model fails mid-stream, keeping what was written and offering Retry', async () => {
    const { t } = await open('stream-cut');
    const { page } = t;
    try {
      const lengths = await watchGrowth(page);
      await send(page, '[[fault:stream-cut:2]] Tell me a story.');
      await page.locator('.turn-failed').waitFor();
      expect((await lengths()).length).toBeGreaterThan(0);
      expect(await page.locator('.turn-failed .form-error').textContent()).toMatch(/\S/);
      await page.getByRole('button', { name: 'Retry' }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('replaces what was shown with the guardrail’s message when the answer is BLOCKED', async () => {
    const { t, user } = await open('stream-blocked');
    const { page } = t;
    try {
      await send(page, '[[fault:guardrail]] Something the guardrail stops.');
      await page.locator('.turn-done').waitFor();
      const logged = await record(user, startedId(t));
      expect(logged.status).toBe('BLOCKED');
      expect((await answers(page).first().locator('.md').textContent())?.trim()).toBe(logged.response?.trim());
      expect(await answers(page).first().textContent()).toContain('A guardrail stopped this answer');
    } finally {
      await t.close();
    }
  });

  it('loses no text when the socket drops mid-answer: the rest comes from prompt(id)', async () => {
    const { t, user } = await open('stream-drop');
    const { page } = t;
    try {
      // Between page and API: the socket closes right after the first piece of text reaches the page.
      await page.routeWebSocket(/\/realtime/, (ws) => {
        const server = ws.connectToServer();
        let dropped = false;
        server.onMessage((message) => {
          if (dropped) return;
          ws.send(message);
          if (String(message).includes('"TEXT"')) {
            dropped = true;
            void ws.close();
          }
        });
      });
      await page.reload(); // the route takes effect from the next document; the session stays (sessionStorage)
      await promptBox(page).waitFor();
      await send(page, 'Tell me about the toll gate at the old bridge, at length.');
      await page.locator('.turn-done').waitFor({ timeout: 30_000 });
      const logged = await record(user, startedId(t));
      expect(logged.status).toBe('COMPLETED');
      const copied = await (async () => {
        await answers(page).first().getByRole('button', { name: 'Copy answer' }).click();
        return page.evaluate(() => navigator.clipboard.readText());
      })();
      expect(copied).toBe(logged.response);
      expect(t.requests.some((r) => r.url === api.graphqlUrl && (r.body ?? '').includes('query Prompt'))).toBe(true);
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('answers whole with sendPrompt when the real-time endpoint cannot be reached', async () => {
    const { t } = await open('stream-fallback');
    const { page } = t;
    try {
      await page.routeWebSocket(/\/realtime/, (ws) => void ws.close());
      await page.reload(); // the route takes effect from the next document; the session stays (sessionStorage)
      await promptBox(page).waitFor();
      await send(page, 'Are you there without a socket?');
      await page.locator('.turn-done').waitFor();
      expect(await answers(page).first().textContent()).toContain('You said: "Are you there without a socket?"');
      const calls = t.requests.filter((r) => r.url === api.graphqlUrl);
      expect(calls.filter((r) => (r.body ?? '').includes('sendPrompt'))).toHaveLength(1);
      expect(calls.filter((r) => (r.body ?? '').includes('startPrompt'))).toHaveLength(0);
      await eventually(() => page.locator('.usage').textContent()).toContain('1 of 3');
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
