// The emulator's settings: every TOLLGATE_* name the project reads is known, a misspelt one is
// named with the closest known name, and the HTTP settings refuse what they cannot use.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corsHeaders, hostAllowed } from '../../emulator/appsync/http.ts';
import { httpPolicyFromEnv, knownSettingNames, nodeVersionWarning, settingsFromEnv, unknownSettingWarnings } from '../../emulator/settings.ts';
import { ROOT } from '../../emulator/synth.ts';
import { isScratchFile } from '../../emulator/watch.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (['node_modules', 'cdk.out', '.tollgate', '.git', 'generated', 'dist'].includes(entry)) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx|mjs|md|yml|json)$|^run$/.test(entry) ? [path] : [];
  });
}

describe('TOLLGATE_* settings', () => {
  it('know every name the code, the README and CI use', () => {
    const known = knownSettingNames();
    const files = sources(ROOT).filter((file) => file !== import.meta.filename);
    const used = new Set(files.flatMap((file) => readFileSync(file, 'utf8').match(/\bTOLLGATE_[A-Z0-9]+(?:_[A-Z0-9]+)*\b/g) ?? []));
    // The README's troubleshooting and the dev test misspell this one on purpose.
    used.delete('TOLLGATE_DAILY_PROMPTS_LIMIT');
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
  });

  it('name a misspelt variable and the closest known one, and say nothing of known ones', () => {
    expect(unknownSettingWarnings({ TOLLGATE_DAILY_PROMPTS_LIMIT: '5', TOLLGATE_DAILY_PROMPT_LIMIT: '5', TOLLGATE_DATA_DIR: '/tmp/x', PATH: '/bin' })).toEqual([
      'TOLLGATE_DAILY_PROMPTS_LIMIT is not a Tollgate setting and is ignored. Did you mean TOLLGATE_DAILY_PROMPT_LIMIT?',
    ]);
    expect(unknownSettingWarnings({ TOLLGATE_LOCAL_MODEL_ULR: 'http://x' })).toEqual([
      'TOLLGATE_LOCAL_MODEL_ULR is not a Tollgate setting and is ignored. Did you mean TOLLGATE_LOCAL_MODEL_URL?',
    ]);
    expect(unknownSettingWarnings({ TOLLGATE_WHATEVER_ELSE_ENTIRELY_DIFFERENT_HERE: '1' })).toEqual(['TOLLGATE_WHATEVER_ELSE_ENTIRELY_DIFFERENT_HERE is not a Tollgate setting and is ignored.']);
  });

  it('read CORS origins and host names, and refuse malformed ones with what they received', () => {
    expect(httpPolicyFromEnv({ TOLLGATE_CORS_ORIGINS: 'http://localhost:5173, https://app.example.com/', TOLLGATE_ALLOWED_HOSTS: 'Dev.Box' })).toEqual({
      corsOrigins: ['http://localhost:5173', 'https://app.example.com'],
      allowedHosts: ['dev.box'],
    });
    expect(() => httpPolicyFromEnv({ TOLLGATE_CORS_ORIGINS: 'localhost:5173' })).toThrow('TOLLGATE_CORS_ORIGINS lists origins like http://localhost:5173, separated by commas. Received: "localhost:5173"');
    expect(() => httpPolicyFromEnv({ TOLLGATE_ALLOWED_HOSTS: 'http://dev.box' })).toThrow('Received: "http://dev.box"');
  });
});

describe('TOLLGATE_IAM and TOLLGATE_WAF', () => {
  it('are on unless set to off, and refuse anything else with what they received', () => {
    expect(settingsFromEnv({})).toMatchObject({ iam: true, waf: true });
    expect(settingsFromEnv({ TOLLGATE_IAM: 'off', TOLLGATE_WAF: 'on' })).toMatchObject({ iam: false, waf: true });
    expect(() => settingsFromEnv({ TOLLGATE_IAM: 'false' })).toThrow('TOLLGATE_IAM must be on or off. Received: false');
  });
});

describe('the Node.js version', () => {
  it('is accepted on the lines package.json names, and warned about on any other', () => {
    for (const v of ['22.15.0', '22.23.3', '24.0.0', '24.21.0', '26.10.0']) expect(nodeVersionWarning(v), v).toBeNull();
    expect(nodeVersionWarning('20.20.2')).toBe('Node.js 20.20.2 is not supported: use Node.js 22 (22.15 or later), 24 or 26. Node.js 20 reached end of life on 2026-04-30.');
    expect(nodeVersionWarning('22.14.0')).toMatch(/^Node\.js 22\.14\.0 is not supported/);
    expect(nodeVersionWarning('25.1.0')).toMatch(/^Node\.js 25\.1\.0 is not supported: use Node\.js 22 \(22\.15 or later\), 24 or 26\.$/);
  });

  it('matches package.json’s engines field', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('^22.15.0 || ^24.0.0 || ^26.0.0');
  });
});

describe('the Host allow-list and CORS', () => {
  const policy = { allowedHosts: ['dev.box'], corsOrigins: ['http://localhost:5173'] };

  it('answer localhost, *.localhost, IP literals and listed names, and no other name (DNS rebinding)', () => {
    for (const host of ['localhost:4000', 'LOCALHOST', 'app.localhost:4000', '127.0.0.1:4000', '[::1]:4000', '192.168.1.20', 'dev.box:4000']) expect(hostAllowed(host, policy), host).toBe(true);
    for (const host of ['evil.example:4000', 'localhost.evil.example', 'dev.box.evil.example', '', undefined]) expect(hostAllowed(host, policy), String(host)).toBe(false);
  });

  it('allow only the listed origins, never * unless asked', () => {
    expect(corsHeaders('http://localhost:5173', policy)).toMatchObject({ 'access-control-allow-origin': 'http://localhost:5173', vary: 'Origin' });
    expect(corsHeaders('https://evil.example', policy)).toEqual({ vary: 'Origin' });
    expect(corsHeaders(undefined, policy)).toEqual({});
    expect(corsHeaders('https://any.example', { allowedHosts: [], corsOrigins: ['*'] })).toMatchObject({ 'access-control-allow-origin': '*' });
  });
});

describe('npm run dev', () => {
  it('ignores editors’ scratch files and nothing else', () => {
    for (const name of ['4913', '.Query.models.ts.swp', 'Query.models.ts~', 'Query.models.ts___jb_tmp___', '.#Query.models.ts', '#x#']) expect(isScratchFile(name), name).toBe(true);
    for (const name of ['Query.models.ts', 'common-passwords.txt', 'schema.graphql', 'dev-model.ts']) expect(isScratchFile(name), name).toBe(false);
  });
});
