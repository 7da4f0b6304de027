// The SDK as a package: it builds to dist/, declares only what it needs, and works from there.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../emulator/synth.ts';
import { PASSWORD, uniqueEmail } from '../helpers/emulator.ts';
import { apiTarget, type ApiTarget } from '../helpers/target.ts';

const CLIENT = join(ROOT, 'client');
let api: ApiTarget;

beforeAll(async () => {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(CLIENT, 'build.ts')], { stdio: 'pipe' });
  api = await apiTarget();
});

afterAll(async () => {
  await api?.stop();
});

describe('the @tollgate/client package', () => {
  it('exports its built entry and types, with graphql as its only peer and no other runtime import', () => {
    const pkg = JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8')) as { exports: { '.': { import: string; types: string } }; peerDependencies: Record<string, string> };
    expect(existsSync(join(CLIENT, pkg.exports['.'].import))).toBe(true);
    expect(existsSync(join(CLIENT, pkg.exports['.'].types))).toBe(true);
    expect(Object.keys(pkg.peerDependencies)).toEqual(['graphql']);
    const js = readFileSync(join(CLIENT, 'dist', 'index.js'), 'utf8');
    const imports = [...js.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports).toEqual(['graphql']);
    const declarations = readdirSync(join(CLIENT, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
    for (const file of declarations) expect(readFileSync(join(CLIENT, 'dist', file), 'utf8')).not.toMatch(/from '\.[^']*\.ts'/);
  });

  it('talks to the API from the built module, with typed errors', async () => {
    const sdk = (await import(pathToFileURL(join(CLIENT, 'dist', 'index.js')).href)) as typeof import('../../client/index.ts');
    const client = sdk.createClient({ url: api.graphqlUrl, apiKey: api.apiKey });
    const email = uniqueEmail('sdk');
    await client.register(email, PASSWORD);
    await client.login(email, PASSWORD);
    expect((await client.models()).length).toBeGreaterThan(0);
    const error = await client.register(email, PASSWORD).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(sdk.TollgateError);
    expect(error).toMatchObject({ errorType: 'EmailTaken', status: 200 });
  });
});
