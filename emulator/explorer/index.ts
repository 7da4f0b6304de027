// Serves the explorer at / : an HTML shell and the GraphiQL client, bundled from ./app.tsx with
// esbuild on first use and kept in memory, so nothing comes from a CDN.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { ExplorerConfig } from './api.ts';

export interface ExplorerOptions {
  apiKey: string;
  stackName: string;
  log?: (line: string) => void;
}

export interface ExplorerAsset {
  body: string;
  etag: string;
}

export interface ExplorerAssets {
  js: ExplorerAsset;
  css: ExplorerAsset;
  /** How long the bundle took. */
  ms: number;
}

const ENTRY = fileURLToPath(new URL('./app.tsx', import.meta.url));
export const ASSET_PATHS = { js: '/explorer/app.js', css: '/explorer/app.css' } as const;

function asset(body: string): ExplorerAsset {
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

async function bundle(): Promise<ExplorerAssets> {
  const started = performance.now();
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    // Names the outputs app.js and app.css; nothing is written there.
    outdir: 'explorer',
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    minify: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const output = (ext: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!file) throw new Error(`The explorer bundle has no ${ext} output.`);
    return asset(file.text);
  };
  return { js: output('.js'), css: output('.css'), ms: performance.now() - started };
}

let assets: Promise<ExplorerAssets> | undefined;

/** The bundled client, built once per process; a failed build is retried on the next call. */
export function explorerAssets(): Promise<ExplorerAssets> {
  assets ??= bundle().catch((error: unknown) => {
    assets = undefined;
    throw error;
  });
  return assets;
}

export function explorerPage(opts: { apiKey: string; stackName: string }): string {
  const config: ExplorerConfig = { apiKey: opts.apiKey, stackName: opts.stackName, graphqlPath: '/graphql' };
  // JSON inside <script> must not be able to close the element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tollgate explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PATHS.css}">
</head>
<body>
<div id="root"></div>
<noscript>The explorer needs JavaScript. The API itself is at /graphql.</noscript>
<script id="tollgate-config" type="application/json">${json}</script>
<script src="${ASSET_PATHS.js}" defer></script>
</body>
</html>`;
}

function sendAsset(req: IncomingMessage, res: ServerResponse, a: ExplorerAsset, contentType: string): void {
  // Revalidated on every load, so a restarted emulator with a new bundle is picked up at once.
  const headers = { 'content-type': contentType, 'cache-control': 'no-cache', etag: a.etag };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : a.body);
}

/**
 * The page holds the API key: no other origin may frame it (clickjacking) or load it as a
 * resource; the Host allow-list in front of it keeps DNS-rebound origins from reading it.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** Answers GET / and the explorer's assets; returns false for any other request. */
export function handleExplorer(req: IncomingMessage, res: ServerResponse, opts: ExplorerOptions): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/') {
    // Start bundling now so the script is ready, or nearly, when the browser asks for it.
    explorerAssets().catch(() => undefined);
    res.writeHead(200, PAGE_HEADERS).end(req.method === 'HEAD' ? undefined : explorerPage(opts));
    return true;
  }
  const kind = path === ASSET_PATHS.js ? 'js' : path === ASSET_PATHS.css ? 'css' : null;
  if (!kind) return false;
  explorerAssets().then(
    (a) => sendAsset(req, res, a[kind], kind === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8'),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      opts.log?.(`[explorer] bundling failed: ${message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`The explorer could not be bundled: ${message}`);
    },
  );
  return true;
}
