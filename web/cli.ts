// `npm run build:web`: the web page as static files for any deployed stack, to serve from any
// static host (S3 + CloudFront, a web server). The API's URL and key are build-time flags; the
// prompt limits come from the cloud assembly the stack was deployed from (the same template's
// resolver environment the API enforces), or from flags.
//
//   npm run build:web -- --url https://<id>.appsync-api.<region>.amazonaws.com/graphql --api-key da2-… [--cdk-out cdk.out] [--out build/web]
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { loadStack } from '../emulator/template.ts';
import { buildWeb, pageHtml } from './build.ts';
import { contentSecurityPolicy, limitsFromEnvironment, realtimeUrlFor, TEMPERATURE_BOUNDS, type PromptLimits, type WebConfig } from './src/config.ts';

const USAGE = `Usage: npm run build:web -- --url <GraphQL URL> --api-key <key> [options]

  --url URL                the stack's GraphQL URL (the GraphQLUrl output of npx cdk deploy)
  --api-key KEY            its API key (aws appsync list-api-keys --api-id <ApiId>)
  --realtime-url URL       the real-time endpoint, when it is not derived from the URL (custom domains)
  --cdk-out DIR            the cloud assembly the stack was deployed from, for its prompt limits (default cdk.out)
  --max-prompt-chars N     instead of --cdk-out: TOLLGATE_MAX_PROMPT_CHARS of the stack
  --max-output-tokens N    instead of --cdk-out: TOLLGATE_MAX_OUTPUT_TOKENS of the stack
  --stream-max-output-tokens N
                           with them: TOLLGATE_STREAM_MAX_OUTPUT_TOKENS of the stack (default: --max-output-tokens)
  --out DIR                where to write the files (default build/web; emptied first)
`;

export class BuildWebError extends Error {
  override readonly name = 'BuildWebError';
}

function limitsFrom(values: { 'cdk-out'?: string; 'max-prompt-chars'?: string; 'max-output-tokens'?: string; 'stream-max-output-tokens'?: string }): { limits: PromptLimits; stackName: string; source: string } {
  if (values['max-prompt-chars'] !== undefined || values['max-output-tokens'] !== undefined) {
    // Without the streamed bound the page keeps streamed prompts to the blocking one: the narrower, safe side.
    const limits = limitsFromEnvironment({
      MAX_PROMPT_CHARS: values['max-prompt-chars'],
      MAX_OUTPUT_TOKENS: values['max-output-tokens'],
      STREAM_MAX_OUTPUT_TOKENS: values['stream-max-output-tokens'] ?? values['max-output-tokens'],
    });
    return { limits: { ...limits, temperature: { ...TEMPERATURE_BOUNDS } }, stackName: 'Tollgate', source: 'the flags' };
  }
  const cdkOut = resolve(values['cdk-out'] ?? 'cdk.out');
  if (!existsSync(join(cdkOut, 'manifest.json'))) {
    throw new BuildWebError(`No cloud assembly at ${cdkOut} to read the prompt limits from. Run npm run synth with the stack's settings, or pass --max-prompt-chars and --max-output-tokens.`);
  }
  const stack = loadStack(cdkOut);
  const env = Object.fromEntries(Object.entries(stack.api.environment).map(([k, v]) => [k, stack.resolve(v)]));
  return { limits: limitsFromEnvironment(env), stackName: stack.stackName, source: relative(process.cwd(), join(cdkOut, stack.templateFile.split('/').pop() ?? '')) };
}

/** Builds into --out; null when only --help was asked. */
export async function buildStatic(argv: string[], log: (line: string) => void): Promise<{ out: string; config: WebConfig } | null> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      'realtime-url': { type: 'string' },
      'cdk-out': { type: 'string' },
      'max-prompt-chars': { type: 'string' },
      'max-output-tokens': { type: 'string' },
      'stream-max-output-tokens': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    log(USAGE);
    return null;
  }
  if (!values.url || !values['api-key']) throw new BuildWebError(`--url and --api-key are required.\n\n${USAGE}`);
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new BuildWebError(`--url must be an absolute URL such as https://<id>.appsync-api.<region>.amazonaws.com/graphql. Received: ${values.url}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BuildWebError(`--url must be http(s). Received: ${values.url}`);
  const realtimeUrl = values['realtime-url'] ?? realtimeUrlFor(url.href);
  const { limits, stackName, source } = limitsFrom(values);

  const build = await buildWeb();
  const config: WebConfig = { stackName, graphqlUrl: url.href, realtimeUrl, apiKey: values['api-key'], limits, apiViewCss: build.apiViewCss };
  const out = resolve(values.out ?? join('build', 'web'));
  rmSync(out, { recursive: true, force: true });
  for (const file of build.files) {
    mkdirSync(dirname(join(out, file.path)), { recursive: true });
    writeFileSync(join(out, file.path), file.body);
  }
  const csp = contentSecurityPolicy({ graphqlUrl: url.href, realtimeUrl }, 'meta');
  // Relative paths, so the site works from any folder of its host.
  writeFileSync(join(out, 'index.html'), pageHtml({ config, build, cspMeta: csp }));

  const chat = build.chatFiles.map((p) => build.files.find((f) => f.path === p)!);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  log(`Wrote ${relative(process.cwd(), out) || '.'}/ for ${url.href} (limits from ${source}: ${limits.maxPromptChars} characters, ${limits.maxOutputTokens} output tokens).`);
  log(`  index.html, favicon.svg and ${build.files.length - 1} files in assets/; the chat view loads ${chat.length} of them, ${kb(chat.reduce((a, f) => a + gzipSync(f.body).length, 0))} gzip.`);
  // AppSync answers any origin (Access-Control-Allow-Origin: *) and has no setting to narrow it:
  // reported from a live probe (Classmethod, 2022-05, "AppSyncにCORSレスポンスヘッダーを設定する方法"),
  // not in AWS's documentation; checked 2026-11-30.
  log(`  Serve it from any static host. AppSync answers browsers from any origin; the offline API only those in TOLLGATE_CORS_ORIGINS.`);
  return { out, config };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildStatic(process.argv.slice(2), (line) => process.stdout.write(line + '\n')).catch((error: unknown) => {
    process.stderr.write(`${error instanceof BuildWebError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(error instanceof BuildWebError ? 2 : 1);
  });
}
