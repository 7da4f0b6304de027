// The web page's API view in Chromium: GraphiQL is fetched only when the view opens (the chat
// stays under its weight budget without it), works from the schema bundled into the build with
// no introspection, sends the API key or the token as each operation's auth mode needs, has an
// example for every field, and runs subscriptions over AppSync's real-time protocol.
import { gzipSync } from 'node:zlib';
import type { Page, WebSocket } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FIXED_NOW, openPage, screenshot, seriousViolations, useBrowserStack, VIEWPORTS, type SeenRequest } from '../helpers/browser.ts';
import { eventually } from '../helpers/eventually.ts';
import { freshUser, PASSWORD } from '../helpers/emulator.ts';
import { iamGraphQL, PUBLISH_PROMPT_EVENT } from '../helpers/iam.ts';

const stack = useBrowserStack();

async function logIn(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.locator('form').getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('textbox', { name: 'Prompt' }).waitFor();
}

async function openApiView(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'API' }).click();
  await page.locator('.graphiql-container').waitFor();
}

const scriptsAndStyles = (requests: SeenRequest[]) => requests.filter((r) => r.resourceType === 'script' || r.resourceType === 'stylesheet').map((r) => r.url);

async function gzipBytes(urls: string[]): Promise<number> {
  const sizes = await Promise.all(urls.map(async (url) => gzipSync(Buffer.from(await (await fetch(url)).arrayBuffer()), { level: 9 }).length));
  return sizes.reduce((a, b) => a + b, 0);
}

async function runEditor(page: Page, exampleField: string): Promise<void> {
  await page.locator('.examples').getByRole('button', { name: new RegExp(`^${exampleField}`) }).click();
  await page.getByRole('button', { name: /Execute query/ }).click();
}

/** The whole response, not just the lines CodeMirror has rendered (it draws only what is in view). */
const responseText = (page: Page) =>
  page.locator('.graphiql-response .CodeMirror').evaluate((el) => (el as HTMLElement & { CodeMirror: { getValue(): string } }).CodeMirror.getValue());

const graphqlCalls = (requests: SeenRequest[]) => requests.filter((r) => r.url === stack.api.graphqlUrl && r.method === 'POST');

describe('the API view', () => {
  it('loads GraphiQL only when opened, so the chat weighs at most 250 kB (gzip)', async () => {
    const t = await openPage(stack.browser, stack.api.url + '/');
    try {
      await t.page.getByLabel('Email').waitFor();
      const chat = scriptsAndStyles(t.requests);
      const chatBytes = await gzipBytes(chat);
      expect(chatBytes).toBeLessThanOrEqual(250 * 1024);
      await openApiView(t.page);
      const all = scriptsAndStyles(t.requests);
      const apiOnly = all.filter((url) => !chat.includes(url));
      expect(apiOnly.some((url) => url.endsWith('.css'))).toBe(true);
      // GraphiQL and CodeMirror are most of it: far more than the chat itself.
      expect(await gzipBytes(apiOnly)).toBeGreaterThan(chatBytes);
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('works from the bundled schema (completion and docs, no introspection), sends the token or the API key by auth mode, and has an example for every field', async () => {
    const user = await freshUser(stack.api, 'graphiql');
    const t = await openPage(stack.browser, stack.api.url + '/');
    const { page } = t;
    try {
      await logIn(page, user.email);
      await openApiView(page);
      const listed = await page.locator('.examples li button').allTextContents();
      expect(listed.map((l) => l.replace(/(API key|IAM only)$/, ''))).toEqual(
        expect.arrayContaining(['myUsage', 'myPrompts', 'models', 'register', 'login', 'sendPrompt', 'deletePrompt', 'logoutEverywhere', 'publishPromptEvent', 'onPromptEvent']),
      );

      await runEditor(page, 'sendPrompt');
      await eventually(() => responseText(page)).toContain('[tollgate dev model]');
      const sent = graphqlCalls(t.requests).at(-1)!;
      expect(sent.headers.authorization).toBe(`Bearer ${user.token.length > 0 ? (await page.evaluate(() => JSON.parse(sessionStorage.getItem('tollgate.session')!).token as string)) : ''}`);
      expect(sent.headers['x-api-key']).toBeUndefined();

      await runEditor(page, 'register');
      await eventually(() => responseText(page)).toMatch(/EmailTaken|"email"/);
      const registered = graphqlCalls(t.requests).at(-1)!;
      expect(registered.headers['x-api-key']).toBe(stack.api.apiKey);
      expect(registered.headers.authorization).toBeUndefined();

      // Completion from the bundled schema: no introspection query was ever sent.
      const editor = page.locator('.graphiql-query-editor .CodeMirror');
      await editor.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Backspace');
      await page.keyboard.type('{ my');
      await eventually(() => page.locator('.CodeMirror-hints .CodeMirror-hint').allTextContents()).toEqual(expect.arrayContaining(['myUsage', 'myPrompts']));
      // Docs from the bundled schema too: the root types and their fields, with descriptions.
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      const docs = page.getByRole('region', { name: 'Documentation Explorer' });
      await docs.getByRole('link', { name: 'Query', exact: true }).click();
      await eventually(() => docs.textContent()).toContain('The models this user may ask for.');
      expect(graphqlCalls(t.requests).filter((r) => (r.body ?? '').includes('__schema'))).toEqual([]);
      expect(t.problems.filter((p) => !p.includes('status of 4'))).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('runs a subscription over AppSync’s real-time protocol with the token, and shows its events', async () => {
    const user = await freshUser(stack.api, 'subscriber');
    const t = await openPage(stack.browser, stack.api.url + '/');
    const { page } = t;
    try {
      await logIn(page, user.email);
      await openApiView(page);
      const sockets: WebSocket[] = [];
      const frames: string[] = [];
      page.on('websocket', (ws) => {
        sockets.push(ws);
        ws.on('framesent', (f) => frames.push(String(f.payload)));
      });
      await page.locator('.examples').getByRole('button', { name: /^onPromptEvent/ }).click();
      await page.getByRole('button', { name: /Execute query/ }).click();
      await eventually(() => frames.some((f) => f.includes('"type":"start"'))).toBe(true);
      expect(sockets[0]!.url()).toBe(stack.api.realtimeUrl);
      const start = JSON.parse(frames.find((f) => f.includes('"type":"start"'))!) as { payload: { extensions: { authorization: Record<string, string> } } };
      expect(start.payload.extensions.authorization.Authorization).toMatch(/^Bearer /);
      expect(start.payload.extensions.authorization.host).toBe(new URL(stack.api.graphqlUrl).host);

      // The model function's publish, as it will send it while a prompt streams.
      const event = { promptId: 'PASTE-A-PROMPT-ID', userId: user.id, seq: 0, kind: 'TEXT', text: 'Hello from the stream', offset: 0 };
      await eventually(async () => {
          await iamGraphQL(stack.api.graphqlUrl, stack.api.functionCredentials('StreamFunction'), { query: PUBLISH_PROMPT_EVENT, variables: { event } });
          return responseText(page);
        })
        .toContain('Hello from the stream');
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('follows the system into dark mode, with no serious accessibility violations', async () => {
    const user = await freshUser(stack.api, 'night');
    const t = await openPage(stack.browser, stack.api.url + '/', { width: 1366, height: 860 }, 'dark');
    const { page } = t;
    try {
      await logIn(page, user.email);
      await openApiView(page);
      // GraphiQL follows the system's scheme through its CSS (no theme chosen): a dark base.
      const base = await page.locator('.graphiql-container').evaluate((el) => getComputedStyle(el).backgroundColor);
      const [r, g, b] = (base.match(/\d+/g) ?? []).map(Number);
      expect(r! + g! + b!, base).toBeLessThan(150);
      await page.getByRole('button', { name: /Execute query/ }).click();
      await eventually(() => responseText(page)).toContain('"tokenLimit"');
      expect(await seriousViolations(page)).toEqual([]);
      expect(t.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it.each(VIEWPORTS)('fills the window at $width×$height, with no serious accessibility violations of ours', async (viewport) => {
    stack.api.clock.set(FIXED_NOW);
    const email = `grace-${viewport.width}@example.com`;
    await stack.api.client().register(email, PASSWORD);
    const t = await openPage(stack.browser, stack.api.url + '/', viewport);
    const { page } = t;
    try {
      await logIn(page, email);
      await openApiView(page);
      const box = await page.locator('.graphiql-container').boundingBox();
      expect(box!.width).toBeGreaterThan(viewport.width - 20);
      await page.getByRole('button', { name: /Execute query/ }).click();
      await eventually(() => responseText(page)).toContain('"tokenLimit": 200000');
      expect(await seriousViolations(page)).toEqual([]);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      // The emulator's port differs from run to run: masked, so the picture changes only with the page.
      await screenshot(page, `api-${viewport.name}`, [page.locator('.api-bar code')]);
    } finally {
      await t.close();
    }
  });
});
