// The web page's weight and readiness: what the chat view makes a browser fetch (JS + CSS,
// gzip), what opening the API view adds (GraphiQL), and the time from navigation until the login
// form's email field exists and takes typing, in Chromium against the emulator on this machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startEmulator } from '../emulator/start.ts';
import { launchChromium } from '../test/helpers/browser.ts';
import { buildWeb } from '../web/build.ts';
import { stats, type Stats } from './stats.ts';

export interface WebPageReport {
  chat: { files: number; rawBytes: number; gzipBytes: number };
  /** Everything else the build holds, most of it what the API view fetches when opened. */
  rest: { files: number; rawBytes: number; gzipBytes: number };
  buildMs: number;
  /** Navigation to an email field that takes input; null when no Chromium was found. */
  loginReady: { firstMs: number; warmMs: Stats; runs: number } | null;
  chromiumMissing: string | null;
}

const gzip = (body: Buffer) => gzipSync(body, { level: 9 }).length;

export async function measureWebPage(cdkOut: string, runs: number, log: (line: string) => void): Promise<WebPageReport> {
  const build = await buildWeb();
  const chat = build.files.filter((f) => build.chatFiles.includes(f.path));
  const rest = build.files.filter((f) => !build.chatFiles.includes(f.path) && (f.path.endsWith('.js') || f.path.endsWith('.css')));
  const weight = (files: typeof chat) => ({ files: files.length, rawBytes: files.reduce((a, f) => a + f.body.length, 0), gzipBytes: files.reduce((a, f) => a + gzip(f.body), 0) });
  const report: WebPageReport = { chat: weight(chat), rest: weight(rest), buildMs: build.ms, loginReady: null, chromiumMissing: null };
  log(`  chat view ${(report.chat.gzipBytes / 1024).toFixed(1)} kB gzip in ${report.chat.files} files; the rest (API view) ${(report.rest.gzipBytes / 1024).toFixed(1)} kB`);

  let browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    report.chromiumMissing = error instanceof Error ? error.message : String(error);
    log(`  login form timing skipped: ${report.chromiumMissing}`);
    return report;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-web-'));
  const api = await startEmulator({ cdkOut, dataDir, port: 0, log: () => undefined, waf: false });
  try {
    const times: number[] = [];
    // The first page after a start includes the emulator bundling the app in memory.
    for (let i = 0; i <= runs; i += 1) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
      await context.addInitScript(() => {
        const w = window as unknown as { __loginReady?: number };
        new MutationObserver((_, observer) => {
          const field = document.querySelector('input[name=email]');
          if (field && !w.__loginReady) {
            w.__loginReady = performance.now();
            observer.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
      });
      const page = await context.newPage();
      // A page that fails to render says why at once, rather than as a locator's timeout.
      const failed = new Promise<never>((_, reject) => page.once('pageerror', (error) => reject(new Error(`The page failed to render: ${error.message}`))));
      failed.catch(() => undefined);
      await page.goto(api.url + '/');
      const email = page.locator('input[name=email]');
      await Promise.race([email.fill('ready@example.com'), failed]);
      if ((await email.inputValue()) !== 'ready@example.com') throw new Error('The login form did not take input.');
      times.push(await page.evaluate(() => (window as unknown as { __loginReady: number }).__loginReady));
      await context.close();
    }
    report.loginReady = { firstMs: times[0]!, warmMs: stats(times.slice(1)), runs };
    log(`  login form takes input ${times[0]!.toFixed(0)} ms after navigation on the first load, ${report.loginReady.warmMs.p50.toFixed(0)} ms (median of ${runs}) after`);
  } finally {
    await browser.close();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return report;
}
