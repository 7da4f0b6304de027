// The static build (`npm run build:web`) served from an origin of its own, against the API it
// was built for: it signs up and answers through CORS, and its Content-Security-Policy keeps it
// from reaching anything else.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeOf } from '../../web/build.ts';
import { buildStatic } from '../../web/cli.ts';
import { BROWSER_CDK_OUT } from '../helpers/browser-setup.ts';
import { launchChromium, openPage } from '../helpers/browser.ts';
import { eventually } from '../helpers/eventually.ts';
import { PASSWORD, startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

let api: TestEmulator;
let browser: Browser;
let site: Server;
let siteOrigin: string;
const dir = mkdtempSync(join(tmpdir(), 'tollgate-static-'));

beforeAll(async () => {
  // A plain static host on 127.0.0.1: another origin than the API's localhost.
  site = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    try {
      const body = readFileSync(join(dir, path));
      res.writeHead(200, { 'content-type': extname(path) === '.html' ? 'text/html; charset=utf-8' : contentTypeOf(path) }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteOrigin = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
  [api, browser] = await Promise.all([startTestEmulator({ cdkOut: BROWSER_CDK_OUT, http: { allowedHosts: [], corsOrigins: [siteOrigin] } }), launchChromium()]);
  await buildStatic(['--url', api.graphqlUrl, '--api-key', api.apiKey, '--cdk-out', BROWSER_CDK_OUT, '--out', dir], () => undefined);
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await new Promise((resolve) => site?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('the static build', () => {
  it('works from its own origin against the API it was built for, and reaches nothing else', async () => {
    const t = await openPage(browser, siteOrigin + '/');
    const { page } = t;
    try {
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByLabel('Email').fill('static@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.locator('form').getByRole('button', { name: 'Create an account' }).click();
      const box = page.getByRole('textbox', { name: 'Prompt' });
      await box.fill('Hello from a static page');
      await box.press('Enter');
      await eventually(() => page.locator('.turn .answer .md').textContent()).toContain('[tollgate dev model]');
      const apiOrigin = new URL(api.graphqlUrl).origin;
      expect(t.requests.filter((r) => !r.url.startsWith(siteOrigin + '/') && !r.url.startsWith(apiOrigin + '/'))).toEqual([]);

      // Any other destination is refused by the page's own policy.
      const elsewhere = await page.evaluate(async (url) => {
        try {
          await fetch(url);
          return 'reached';
        } catch (error) {
          return String(error);
        }
      }, 'http://127.0.0.2:9/');
      expect(elsewhere).toMatch(/TypeError/);
      expect(t.problems.join('\n')).toMatch(/violates the following Content Security Policy directive: "connect-src 'self' http:\/\/localhost:\d+ ws:\/\/localhost:\d+"/);
    } finally {
      await t.close();
    }
  });
});
