// Serves the web app (web/) at / : the page with its configuration (this API, its API key and
// its prompt limits) and the bundled assets, built with esbuild on first use and kept in memory,
// so nothing comes from a CDN. The page holds the API key, so it keeps what issue 13 gave the
// explorer: no other origin may frame it or load it as a resource, and the Host allow-list in
// front of it (start.ts) keeps DNS-rebound origins from reading it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { buildWeb, pageHtml, type WebBuild, type WebFile } from '../../web/build.ts';
import { contentSecurityPolicy, limitsFromEnvironment, realtimeUrlFor, type WebConfig } from '../../web/src/config.ts';

export interface WebOptions {
  apiKey: string;
  stackName: string;
  /** The API's resolver environment, where the prompt limits are (MAX_PROMPT_CHARS, MAX_OUTPUT_TOKENS). */
  env: Record<string, string>;
  log?: (line: string) => void;
}

let built: Promise<WebBuild> | undefined;

/** The app, built once per process; a failed build is retried on the next request. */
export function webBuild(): Promise<WebBuild> {
  built ??= buildWeb().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** The page's own origin as the browser sees it (the Host was checked before this runs). */
function originOf(req: IncomingMessage): string {
  const secure = (req.socket as Partial<TLSSocket>).encrypted === true;
  return `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}

export function webConfig(options: WebOptions, build: Pick<WebBuild, 'apiViewCss'>): WebConfig {
  return {
    stackName: options.stackName,
    graphqlUrl: '/graphql',
    apiKey: options.apiKey,
    limits: limitsFromEnvironment(options.env),
    apiViewCss: build.apiViewCss,
  };
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: WebFile): void {
  // Names carry a content hash: a new build has new names, so these never need revalidating.
  res.writeHead(200, {
    'content-type': file.contentType,
    'content-length': file.body.length,
    'cache-control': file.path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    'cross-origin-resource-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

function failed(res: ServerResponse, options: WebOptions, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  options.log?.(`[web] building the page failed: ${message}`);
  if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`The web page could not be built: ${message}`);
}

/** Answers GET / and the app's files; returns false for any other request. */
export function handleWeb(req: IncomingMessage, res: ServerResponse, options: WebOptions): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/') {
    webBuild().then((build) => {
      const origin = originOf(req);
      const graphqlUrl = `${origin}/graphql`;
      const csp = contentSecurityPolicy({ graphqlUrl, realtimeUrl: realtimeUrlFor(graphqlUrl) });
      res.writeHead(200, { ...PAGE_HEADERS, 'content-security-policy': csp });
      res.end(req.method === 'HEAD' ? undefined : pageHtml({ config: webConfig(options, build), build, base: '/' }));
    }, (error: unknown) => failed(res, options, error));
    return true;
  }
  if (path !== '/favicon.svg' && !path.startsWith('/assets/')) return false;
  webBuild().then((build) => {
    const file = build.files.find((f) => `/${f.path}` === path);
    if (file) sendFile(req, res, file);
    else res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found.');
  }, (error: unknown) => failed(res, options, error));
  return true;
}
