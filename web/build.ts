// Builds the web app with esbuild: the chat (web/src/main.tsx) as ES modules with code
// splitting, so the API view and GraphiQL are a chunk of their own fetched when that view opens,
// and the API view's stylesheet as a separate entry (CSS imported from a lazy chunk would land in
// the chat's stylesheet). File names carry a content hash. Used by the emulator (in memory) and by
// `npm run build:web` (to files).
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import type { WebConfig } from './src/config.ts';

const ROOT = import.meta.dirname;
export const ASSET_DIR = 'assets';

export interface WebFile {
  /** Path under the site's root, e.g. "assets/main-3F2K.js". */
  path: string;
  body: Buffer;
  contentType: string;
}

export interface WebBuild {
  files: WebFile[];
  /** Paths of the chat's script and stylesheet, and of the API view's stylesheet. */
  main: { js: string; css: string };
  /** Every file the chat view loads before it can be used: its script, the chunks it imports statically, its stylesheet. */
  chatFiles: string[];
  apiViewCss: string;
  /** How long esbuild took. */
  ms: number;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export const contentTypeOf = (path: string) => TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';

/**
 * The SDK (client/index.ts) takes only `print` from graphql. Imported from graphql's index, it
 * makes the index a module the chat shares with GraphiQL, and esbuild then puts all of graphql
 * that GraphiQL uses into a chunk the chat loads at once (157 kB of 300 measured). Pointing the
 * SDK's import at the printer module keeps the chat's share to the printer.
 */
const sdkPrinterOnly: Plugin = {
  name: 'sdk-printer-only',
  setup(b) {
    b.onResolve({ filter: /^graphql$/ }, (args) =>
      args.importer.endsWith(join('client', 'index.ts')) ? { path: join(ROOT, '..', 'node_modules', 'graphql', 'language', 'printer.mjs') } : undefined,
    );
  },
};

export async function buildWeb(): Promise<WebBuild> {
  const started = performance.now();
  const outdir = join(ROOT, 'out-not-written', ASSET_DIR);
  const result = await build({
    entryPoints: { main: join(ROOT, 'src', 'main.tsx'), api: join(ROOT, 'src', 'api-view', 'api.css') },
    bundle: true,
    write: false,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox114', 'safari16.4'],
    jsx: 'automatic',
    minify: true,
    legalComments: 'none',
    loader: { '.graphql': 'text' },
    define: { 'process.env.NODE_ENV': '"production"' },
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    outdir,
    metafile: true,
    plugins: [sdkPrinterOnly],
    logLevel: 'silent',
  });
  const files: WebFile[] = result.outputFiles.map((f) => {
    const path = `${ASSET_DIR}/${f.path.slice(outdir.length + 1)}`;
    return { path, body: Buffer.from(f.contents), contentType: contentTypeOf(path) };
  });
  const favicon = readFileSync(join(ROOT, 'public', 'favicon.svg'));
  files.push({ path: 'favicon.svg', body: favicon, contentType: contentTypeOf('favicon.svg') });

  const outputs = Object.entries(result.metafile.outputs);
  const entry = (source: string) => {
    const found = outputs.find(([, o]) => o.entryPoint?.endsWith(source));
    if (!found) throw new Error(`The web build has no output for ${source}.`);
    return `${ASSET_DIR}/${basename(found[0])}`;
  };
  const mainJs = entry('src/main.tsx');
  const mainOutput = outputs.find(([path]) => `${ASSET_DIR}/${basename(path)}` === mainJs)![1];
  if (!mainOutput.cssBundle) throw new Error('The web build has no stylesheet for the chat.');
  // The chat's static import graph: what a browser fetches before the page works (dynamic
  // imports, GraphiQL's among them, are not followed).
  const chatFiles = new Set<string>();
  const visit = (output: string) => {
    const path = `${ASSET_DIR}/${basename(output)}`;
    if (chatFiles.has(path)) return;
    chatFiles.add(path);
    for (const i of result.metafile.outputs[output]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(outputs.find(([path]) => `${ASSET_DIR}/${basename(path)}` === mainJs)![0]);
  const mainCss = `${ASSET_DIR}/${basename(mainOutput.cssBundle)}`;
  chatFiles.add(mainCss);
  return {
    files,
    main: { js: mainJs, css: mainCss },
    chatFiles: [...chatFiles],
    apiViewCss: entry('src/api-view/api.css'),
    ms: performance.now() - started,
  };
}

/** JSON inside a <script> element must not be able to close it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The page: the configuration as inert JSON, the chat's stylesheet and script, and — for a
 * static build, where no server sends headers — its Content-Security-Policy as a meta element.
 */
export function pageHtml(options: { config: WebConfig; build: Pick<WebBuild, 'main'>; cspMeta?: string; base?: string }): string {
  const base = options.base ?? '';
  const csp = options.cspMeta ? `\n<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(options.cspMeta)}">` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">${csp}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>Tollgate</title>
<link rel="icon" href="${base}favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${base}${options.build.main.css}">
<script type="module" src="${base}${options.build.main.js}"></script>
</head>
<body>
<div id="root"></div>
<noscript>Tollgate's page needs JavaScript. The API itself is at ${escapeAttribute(options.config.graphqlUrl)}.</noscript>
<script id="tollgate-config" type="application/json">${scriptJson(options.config)}</script>
</body>
</html>
`;
}
