// The explorer in a real headless Chromium (Debian's, driven by playwright-core): the quick
// panel's register → log in → prompt → usage, and GraphiQL's completion and runs with the token.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let api: TestEmulator;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
  [api, browser] = await Promise.all([
    startTestEmulator(),
    chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

interface SeenRequest {
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

/** A fresh page on the explorer, recording every request and every script error. */
async function openExplorer(): Promise<{ page: Page; requests: SeenRequest[]; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const requests: SeenRequest[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push({ url: r.url(), headers: r.headers(), body: r.postData() }));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(api.url + '/');
  await expect.poll(() => page.locator('#schema-state').textContent()).toContain('Schema loaded');
  return { page, requests, problems };
}

async function logIn(page: Page, email: string): Promise<void> {
  const panel = page.locator('aside');
  await panel.getByLabel('Email').fill(email);
  await panel.getByLabel('Password').fill(PASSWORD);
  await panel.getByRole('button', { name: 'Log in' }).click();
  await expect.poll(() => page.locator('#token-state').textContent()).toContain('set');
}

const graphqlCalls = (requests: SeenRequest[]) => requests.filter((r) => r.url === api.graphqlUrl && r.body !== null);

describe('the explorer in Chromium', () => {
  it('loads GraphiQL and the schema from the emulator alone, introspecting with the API key', async () => {
    const { page, requests, problems } = await openExplorer();
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => !r.url.startsWith(api.url + '/') && !r.url.startsWith('data:'))).toEqual([]);
    expect(requests.map((r) => new URL(r.url).pathname)).toEqual(expect.arrayContaining(['/', '/explorer/app.js', '/explorer/app.css', '/graphql']));
    const introspection = graphqlCalls(requests).find((r) => r.body?.includes('__schema'));
    expect(introspection?.headers['x-api-key']).toBe(api.apiKey);
    expect(introspection?.headers.authorization).toBeUndefined();
    await expect.poll(() => page.locator('.graphiql-container').count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('registers, logs in, sends a prompt and shows the answer and the usage from the panel', async () => {
    const { page, problems } = await openExplorer();
    const panel = page.locator('aside');
    const email = uniqueEmail('browser');

    await panel.getByLabel('Email').fill(email);
    await panel.getByLabel('Password').fill(PASSWORD);
    await panel.getByRole('button', { name: 'Register' }).click();
    await expect.poll(() => page.locator('#auth-message').textContent()).toMatch(/\S/);
    expect(await page.locator('#auth-message').getAttribute('class')).not.toContain('tg-error');

    await panel.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.locator('#token-state').textContent()).toContain('set');
    expect(await page.evaluate(() => sessionStorage.getItem('tollgate.token'))).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await expect.poll(() => page.locator('#usage').textContent()).toContain('0 of 50');

    await panel.getByLabel('Prompt', { exact: true }).fill('What does a tollgate do?');
    await panel.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.locator('#answer').textContent()).toContain('[tollgate dev model]');
    expect(await page.locator('#answer').textContent()).toContain('49 prompts left today');
    await expect.poll(() => page.locator('#usage').textContent()).toContain('1 of 50 prompts used today, 49 left');
    expect(await page.locator('#prompt-error').textContent()).toBe('');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('completes field names from the schema and runs a typed query with the token in GraphiQL', async () => {
    const email = uniqueEmail('graphiql');
    await api.client().register(email, PASSWORD);
    const { page, requests, problems } = await openExplorer();
    await logIn(page, email);
    await page.locator('aside').getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.locator('#answer').textContent()).toContain('[tollgate dev model]');

    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    // The editor closes brackets itself; typing the closing ones steps over them.
    await page.keyboard.type('{ my');
    const hints = page.locator('.CodeMirror-hints .CodeMirror-hint');
    await expect.poll(() => hints.allTextContents()).toEqual(expect.arrayContaining(['myUsage', 'myPrompts']));
    await page.keyboard.type('Usage { queries limit balance } models { id } }');
    const typed = await editor.evaluate((el) => (el as HTMLElement & { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
    expect(typed).toBe('{ myUsage { queries limit balance } models { id } }');

    await page.getByRole('button', { name: /Execute query/ }).click();
    const response = page.locator('.graphiql-response');
    await expect.poll(() => response.textContent()).toContain('"queries": 1');
    const text = await response.textContent();
    expect(text).toContain('"limit": 50');
    expect(text).toContain('"balance": 49');
    expect(text).toContain('us.amazon.nova-2-lite-v1:0');

    const run = graphqlCalls(requests).find((r) => r.body?.includes('myUsage { queries limit balance }'));
    expect(run?.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(run?.headers['x-api-key']).toBeUndefined();
    expect(problems).toEqual([]);

    await page.getByRole('button', { name: /Prettify/ }).click();
    await page.screenshot({ path: '/tmp/explorer.png' });
    await page.close();
  });
});
