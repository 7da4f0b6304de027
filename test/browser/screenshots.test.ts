// The README's screenshots change only when the page does: two pictures count as the same within
// the few faint edge pixels Chromium's software raster varies by between runs, and never when a
// word, a colour or the layout changed.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, samePicture } from '../helpers/browser.ts';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 360, height: 200 } });
});

afterAll(async () => {
  await browser?.close();
});

const picture = async (heading: string, color = '#1c1917') => {
  await page.setContent(`<body style="margin:0;font:16px sans-serif"><h1 style="color:${color}">${heading}</h1><div style="margin:1rem;height:60px;border-radius:12px;box-shadow:0 2px 8px #0004"></div></body>`);
  return page.screenshot();
};

/** The picture with `count` pixels shaded `delta` levels lighter, as raster noise would. */
const shaded = (png: Buffer, count: number, delta: number) =>
  page.evaluate(
    async ([src, count, delta]) => {
      const image = new Image();
      await new Promise((resolve) => {
        image.onload = resolve;
        image.src = src;
      });
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < count; i += 1) {
        const at = (90 * canvas.width + 20 + i) * 4;
        for (let c = 0; c < 3; c += 1) data.data[at + c] = Math.max(0, data.data[at + c]! - delta);
      }
      context.putImageData(data, 0, 0);
      return canvas.toDataURL('image/png').split(',')[1]!;
    },
    [`data:image/png;base64,${png.toString('base64')}`, count, delta] as const,
  ).then((b64) => Buffer.from(b64, 'base64'));

describe('screenshots', () => {
  it('count as the same picture through faint raster noise, and as another when the page changed', async () => {
    const before = await picture('Log in');
    expect(await samePicture(browser, before, await picture('Log in'))).toBe(true);
    expect(await samePicture(browser, before, await shaded(before, 3, 4))).toBe(true);
    expect(await samePicture(browser, before, await shaded(before, 200, 4))).toBe(false);
    expect(await samePicture(browser, before, await shaded(before, 3, 80))).toBe(false);
    expect(await samePicture(browser, before, await picture('Log on'))).toBe(false);
    expect(await samePicture(browser, before, await picture('Log in', '#1c1918'))).toBe(false);
  });
});
