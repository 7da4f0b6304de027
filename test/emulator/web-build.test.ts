// `npm run build:web`: static files for a deployed stack, with its URL, key and prompt limits,
// and a Content-Security-Policy that lets the page reach that API and nothing else.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.ts';
import { buildStatic, BuildWebError } from '../../web/cli.ts';
import type { WebConfig } from '../../web/src/config.ts';
import { TEST_CDK_OUT } from '../helpers/global-setup.ts';

const out = mkdtempSync(join(tmpdir(), 'tollgate-web-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const URL_ON_AWS = 'https://abcdefghijklmnopqrstuvwxyz.appsync-api.eu-west-1.amazonaws.com/graphql';

describe('npm run build:web', () => {
  it('writes the page with the stack’s URL, key and limits from its cloud assembly, and a CSP naming only that API', async () => {
    const lines: string[] = [];
    await buildStatic(['--url', URL_ON_AWS, '--api-key', 'da2-abc', '--cdk-out', TEST_CDK_OUT, '--out', out], (l) => lines.push(l));
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const config = JSON.parse(/<script id="tollgate-config" type="application\/json">(.*)<\/script>/.exec(html)![1]!) as WebConfig;
    expect(config).toMatchObject({
      graphqlUrl: URL_ON_AWS,
      realtimeUrl: 'wss://abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.eu-west-1.amazonaws.com/graphql',
      apiKey: 'da2-abc',
      stackName: 'Tollgate-dev',
      limits: { maxPromptChars: 4000, maxOutputTokens: 1024, streamMaxOutputTokens: 4096, temperature: { min: 0, max: 1 } },
    });
    expect(html).toContain(
      "connect-src 'self' https://abcdefghijklmnopqrstuvwxyz.appsync-api.eu-west-1.amazonaws.com wss://abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.eu-west-1.amazonaws.com;",
    );
    // Relative paths: the site works from any folder of its host.
    expect(html).toMatch(/<script type="module" src="assets\/main-[\w]+\.js"><\/script>/);
    expect(readdirSync(join(out, 'assets')).some((f) => f === config.apiViewCss.replace('assets/', ''))).toBe(true);
    expect(readFileSync(join(out, 'favicon.svg'), 'utf8')).toContain('<svg');
    expect(lines.join('\n')).toMatch(/the chat view loads \d+ of them, [\d.]+ kB gzip/);
  });

  it('takes the limits from flags instead, and refuses what it cannot build', async () => {
    await buildStatic(['--url', 'http://localhost:4000/graphql', '--api-key', 'k', '--max-prompt-chars', '200', '--max-output-tokens', '64', '--out', out], () => undefined);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('"limits":{"maxPromptChars":200,"maxOutputTokens":64');
    await expect(buildStatic(['--api-key', 'k'], () => undefined)).rejects.toThrow(/--url and --api-key are required/);
    await expect(buildStatic(['--url', 'ftp://x/graphql', '--api-key', 'k'], () => undefined)).rejects.toBeInstanceOf(BuildWebError);
    await expect(buildStatic(['--url', URL_ON_AWS, '--api-key', 'k', '--cdk-out', join(out, 'nothing')], () => undefined)).rejects.toThrow(/No cloud assembly/);
  });

  it('keeps GraphiQL, CodeMirror and graphql’s schema and validation code out of the chat’s first load', async () => {
    // One stray `import … from 'graphql'` in the chat's code moves most of graphql into a chunk the
    // chat loads at once (web/build.ts, sdkPrinterOnly); these strings live only in that code.
    const build = await buildWeb();
    const text = (files: typeof build.files) => files.map((f) => f.body.toString('utf8')).join('\n');
    const chat = text(build.files.filter((f) => build.chatFiles.includes(f.path)));
    const apiView = text(build.files.filter((f) => !build.chatFiles.includes(f.path)));
    for (const marker of ['Cannot query field', 'GraphQLSchema', 'CodeMirror', 'graphiql']) {
      expect([marker, apiView.includes(marker)]).toEqual([marker, true]);
      expect([marker, chat.includes(marker)]).toEqual([marker, false]);
    }
  });
});
