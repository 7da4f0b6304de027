// Chromium for the browser tests: Debian's, driven by playwright-core, with pages that record
// every request and every script error or CSP report, a fixed clock and time zone, and axe-core
// ready to check accessibility.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from '../../emulator/synth.ts';
import { BROWSER_CDK_OUT } from './browser-setup.ts';
import type { TollgateClient } from '../../client/index.ts';
import { chatter, PASSWORD, startTestEmulator, type TestEmulator, type TestUser } from './emulator.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the screenshots go; the README shows them from here. */
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

/** A fixed moment for every page and emulator: 20:48 UTC, 21:48 in Berlin, 3 h 12 min before the quota resets. */
export const FIXED_NOW = Date.UTC(2026, 10, 30, 20, 48, 0);
export const TIME_ZONE = 'Europe/Berlin';

export const VIEWPORTS = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'laptop', width: 1366, height: 860 },
  { name: 'wide', width: 2560, height: 1440 },
] as const;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
  return chromium.launch({
    executablePath: CHROMIUM,
    // The last four make rasterizing repeatable, so a screenshot changes only when the page does.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--force-color-profile=srgb', '--font-render-hinting=none', '--disable-lcd-text', '--disable-partial-raster'],
  });
}

/**
 * For one test file: an emulator on the browser tests' stack and a Chromium, started in beforeAll
 * and stopped in afterAll; tests reach them as `.api` and `.browser`.
 */
export function useBrowserStack(): { readonly api: TestEmulator; readonly browser: Browser } {
  let started: { api: TestEmulator; browser: Browser } | undefined;
  beforeAll(async () => {
    const [api, browser] = await Promise.all([startTestEmulator({ cdkOut: BROWSER_CDK_OUT }), launchChromium()]);
    started = { api, browser };
  });
  afterAll(async () => {
    await started?.browser.close();
    await started?.api.stop();
  });
  const get = () => {
    if (!started) throw new Error('useBrowserStack(): they start in beforeAll; use them inside tests and hooks.');
    return started;
  };
  return {
    get api() {
      return get().api;
    },
    get browser() {
      return get().browser;
    },
  };
}

/** A user with room for many prompts and conversations (the browser stack allows 3 a day). */
export function roomyUser(stack: { readonly api: TestEmulator }, label: string): Promise<TestUser> {
  return chatter(stack.api, label, { dailyPromptLimit: 200, dailyTokenLimit: 10_000_000, promptsPerMinute: 1000, promptsInFlight: 1000 });
}

/** Sends the prompts one after another into one conversation (a new one unless named); its id. */
export async function converse(client: TollgateClient, prompts: string[], conversationId?: string): Promise<string> {
  let id = conversationId;
  for (const prompt of prompts) id = (await client.sendPrompt(prompt, undefined, undefined, id)).conversationId;
  return id!;
}

/** The page at `path` on the browser stack's fixed clock, logged in as `email`, ready for a prompt. */
export async function openSignedIn(stack: { readonly api: TestEmulator; readonly browser: Browser }, email: string, options: { path?: string; viewport?: { width: number; height: number } } = {}): Promise<TestPage> {
  stack.api.clock.set(FIXED_NOW);
  const t = await openPage(stack.browser, stack.api.url + (options.path ?? '/'), options.viewport);
  await t.page.getByLabel('Email').fill(email);
  await t.page.getByLabel('Password').fill(PASSWORD);
  await t.page.locator('form').getByRole('button', { name: 'Log in' }).click();
  await t.page.getByRole('textbox', { name: 'Prompt' }).waitFor();
  return t;
}

export interface SeenRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  resourceType: string;
}

export interface TestPage {
  page: Page;
  requests: SeenRequest[];
  /** Script errors, console errors (CSP violations included) and failed requests. */
  problems: string[];
  close(): Promise<void>;
}

const AXE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * A page in a fresh context: its own storage, the given viewport, the fixed clock and Berlin's
 * time zone, clipboard access, and axe-core injected by the browser (an init script, which the
 * page's Content-Security-Policy does not apply to; the page itself allows no inline script).
 */
export async function openPage(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number } = { width: 1366, height: 860 },
  colorScheme: 'light' | 'dark' = 'light',
  /** 'fixed': Date.now() stays at FIXED_NOW while timers run; 'controlled': timers too wait for page.clock.fastForward(). */
  clock: 'fixed' | 'controlled' = 'fixed',
): Promise<TestPage> {
  const context = await browser.newContext({
    viewport,
    locale: 'en-GB',
    timezoneId: TIME_ZONE,
    colorScheme,
    reducedMotion: 'reduce',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  await context.addInitScript({ content: AXE });
  const page = await context.newPage();
  if (clock === 'fixed') await page.clock.setFixedTime(FIXED_NOW);
  else await page.clock.install({ time: FIXED_NOW });
  const requests: SeenRequest[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), headers: r.headers(), body: r.postData(), resourceType: r.resourceType() }));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  // net::ERR_ABORTED is a request the page itself gave up (an AbortController) or a reload cut
  // short, not a failure of the API or of the page's policy.
  page.on('requestfailed', (r) => {
    const error = r.failure()?.errorText ?? '';
    if (error !== 'net::ERR_ABORTED') problems.push(`requestfailed: ${r.url()} ${error}`);
  });
  await page.goto(url);
  return { page, requests, problems, close: () => context.close() };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's violations of impact serious or critical on the page as it is now. */
export async function seriousViolations(page: Page, exclude: string[] = []): Promise<AxeViolation[]> {
  const violations = await page.evaluate(async (excluded) => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run({ include: [['body']], exclude: excluded.map((s) => [s]) }, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  }, exclude);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * How far two pictures of the same page may differ and still count as the same picture: Chromium's
 * software raster now and then shades a few edge pixels (a rounded corner under a shadow) one or
 * two levels apart between runs. Any change of the page itself (a word, a colour, a pixel of
 * layout) moves far more pixels, or moves them further.
 */
export const SAME_PICTURE = { maxPixels: 64, maxChannelDelta: 16 } as const;

/** Pixels that differ between two PNGs, decoded by the browser (no image library needed in Node). */
async function pixelDifference(browser: Browser, a: Buffer, b: Buffer): Promise<{ sameSize: boolean; pixels: number; maxDelta: number }> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async ([a, b]) => {
      const load = (src: string) =>
        new Promise<HTMLImageElement>((resolve, reject) => {
          const image = new Image();
          image.onload = () => resolve(image);
          image.onerror = () => reject(new Error('not a PNG'));
          image.src = src;
        });
      const [ia, ib] = await Promise.all([load(a), load(b)]);
      if (ia.width !== ib.width || ia.height !== ib.height) return { sameSize: false, pixels: ia.width * ia.height, maxDelta: 255 };
      const pixelsOf = (image: HTMLImageElement) => {
        const canvas = document.createElement('canvas');
        canvas.width = image.width;
        canvas.height = image.height;
        const context = canvas.getContext('2d')!;
        context.drawImage(image, 0, 0);
        return context.getImageData(0, 0, image.width, image.height).data;
      };
      const [pa, pb] = [pixelsOf(ia), pixelsOf(ib)];
      let pixels = 0;
      let maxDelta = 0;
      for (let i = 0; i < pa.length; i += 4) {
        const delta = Math.max(Math.abs(pa[i]! - pb[i]!), Math.abs(pa[i + 1]! - pb[i + 1]!), Math.abs(pa[i + 2]! - pb[i + 2]!), Math.abs(pa[i + 3]! - pb[i + 3]!));
        if (delta > 0) pixels += 1;
        maxDelta = Math.max(maxDelta, delta);
      }
      return { sameSize: true, pixels, maxDelta };
    }, [`data:image/png;base64,${a.toString('base64')}`, `data:image/png;base64,${b.toString('base64')}`] as const);
  } finally {
    await page.close();
  }
}

/** Whether two PNGs show the same picture, within SAME_PICTURE's raster noise. */
export async function samePicture(browser: Browser, a: Buffer, b: Buffer): Promise<boolean> {
  if (a.equals(b)) return true;
  const d = await pixelDifference(browser, a, b);
  return d.sameSize && d.pixels <= SAME_PICTURE.maxPixels && d.maxDelta <= SAME_PICTURE.maxChannelDelta;
}

/**
 * Writes docs/screenshots/<name>.png, so that it changes only when the page does: the picture is
 * taken until two captures in a row agree (nothing still settling), and an existing file that
 * shows the same picture (samePicture) is left as it is.
 */
export async function screenshot(page: Page, name: string, mask: Locator[] = []): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const capture = () => page.screenshot({ animations: 'disabled', caret: 'hide', mask, maskColor: '#d6d3d1' });
  let picture = await capture();
  for (let i = 0; i < 5; i += 1) {
    const again = await capture();
    if (again.equals(picture)) break;
    picture = again;
  }
  const path = join(SCREENSHOTS, `${name}.png`);
  const browser = page.context().browser();
  if (existsSync(path) && browser && (await samePicture(browser, readFileSync(path), picture))) return;
  writeFileSync(path, picture);
}
