// Builds the publishable SDK into client/dist: one ES module (graphql left to the app, as a
// peer dependency) and its type declarations.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const dir = import.meta.dirname;
rmSync(join(dir, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [join(dir, 'index.ts')],
  outfile: join(dir, 'dist', 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['graphql'],
  sourcemap: true,
  logLevel: 'error',
});
execFileSync(join(dir, '..', 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.build.json')], { stdio: 'inherit' });
// Declarations keep the source's .ts specifiers; consumers resolve .js.
for (const file of readdirSync(join(dir, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'))) {
  const path = join(dir, 'dist', file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/(from '\.{1,2}\/[^']+)\.ts'/g, "$1.js'"));
}
process.stdout.write('client/dist: index.js, index.d.ts\n');
