// What the CLI says: durations in one style, aligned tables, and errors that name the API tried
// and the next step.
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { cliName, EXIT, explain, formatDuration, table, unreachable } from '../../client/cli-text.ts';
import { TollgateError, type AnyTollgateError } from '../../client/index.ts';

const local = { url: 'http://localhost:4000/graphql', apiKey: undefined, source: 'the default local address' };
const error = (type: string, info: Record<string, unknown> | null, message = 'the API said so') => TollgateError.fromResponse(200, [{ message, errorType: type, errorInfo: info }]) as AnyTollgateError;

describe('durations', () => {
  it('read as seconds, minutes and seconds, or hours and minutes (rounded up)', () => {
    const cases: [number, string][] = [
      [0, '0 s'],
      [45, '45 s'],
      [44.2, '45 s'],
      [60, '1 min'],
      [870, '14 min 30 s'],
      [3599, '59 min 59 s'],
      [3600, '1 h'],
      [3 * 3600 + 11 * 60 + 30, '3 h 12 min'],
      [2 * 3600 - 1, '2 h'],
    ];
    for (const [seconds, text] of cases) expect(formatDuration(seconds), String(seconds)).toBe(text);
  });
});

describe('tables', () => {
  it('pad every column but the last to its widest cell', () => {
    expect(table([['', 'ID', 'NAME'], ['*', 'cohere.command-r-v1:0', 'Cohere Command R'], ['', 'x', 'X']])).toBe(
      ['   ID                     NAME', '*  cohere.command-r-v1:0  Cohere Command R', '   x                      X'].join('\n'),
    );
  });
});

describe('errors', () => {
  it('say which API could not be reached, why, and how to start or point at one', () => {
    expect(unreachable(local, 'ECONNREFUSED')).toBe(
      'Cannot reach the Tollgate API at http://localhost:4000/graphql (the default local address): nothing listens there (ECONNREFUSED).\n' +
        'Start the local API with npm start in the Tollgate folder (it prints its URL), or point at a running one with --url URL --api-key KEY (or TOLLGATE_URL and TOLLGATE_API_KEY).',
    );
    expect(explain(new TollgateError('x', 'NetworkError', { url: local.url, code: 'ENOTFOUND' }, 0, []) as AnyTollgateError, { endpoint: { ...local, source: '--url' }, usesApiKey: false })).toEqual({
      message: expect.stringContaining('the host name does not resolve (ENOTFOUND).\nCheck --url:'),
      code: EXIT.unreachable,
    });
  });

  it('tell a refused API key from an ended session', () => {
    const refused = TollgateError.fromResponse(401, [{ message: 'You are not authorized to make this call.', errorType: 'UnauthorizedException' }]) as AnyTollgateError;
    expect(explain(refused, { endpoint: local, usesApiKey: true })).toMatchObject({ code: EXIT.credentials, message: expect.stringMatching(/^The API key was refused by http:\/\/localhost:4000\/graphql\. Pass --api-key/) });
    expect(explain(refused, { endpoint: local, usesApiKey: false, email: 'me@example.com' })).toMatchObject({
      code: EXIT.credentials,
      message: 'Your session with http://localhost:4000/graphql has ended (it expired, or logout-everywhere ended it). Run: npx tollgate login me@example.com',
    });
  });

  it('word validation errors with the CLI’s flags and commands, not the API’s field paths', () => {
    const ctx = { endpoint: local, usesApiKey: false, model: 'nope' };
    expect(explain(error('ValidationError', { field: 'options.model', reason: 'unknownModel' }, 'The model "nope" is not available. Query models to see the ones you may use.'), ctx).message).toBe(
      'The model "nope" is not available to you. Run: npx tollgate models',
    );
    expect(explain(error('ValidationError', { field: 'options.temperature', reason: 'outOfRange' }, 'temperature must be from 0 to 1. Received: 3'), ctx).message).toBe('--temperature must be from 0 to 1. Received: 3');
    expect(explain(error('ValidationError', { field: 'password', reason: 'tooShort' }, 'The password needs at least 8 characters.'), ctx).message).toBe('The password needs at least 8 characters.');
    expect(explain(error('ValidationError', { field: 'limit', reason: 'outOfRange' }, 'limit must be from 1 to 100. Received: 0'), ctx).message).toBe('--limit must be from 1 to 100. Received: 0');
    expect(explain(error('ValidationError', { field: 'nextToken', reason: 'invalid' }, 'nextToken is not one this API gave you. Start again without it.'), ctx).message).toBe(
      '--next is not one this API gave you. Start again without it.',
    );
  });

  it('point at the conversations command when a named conversation is not there', () => {
    const message = 'No conversation with that id belongs to you.';
    expect(explain(error('NotFound', null, message), { endpoint: local, usesApiKey: false, conversation: '01KB' }).message).toBe(`${message} Your conversations: npx tollgate conversations`);
  });

  it('give waits and resets in the one duration style', () => {
    const ctx = { endpoint: local, usesApiKey: true };
    expect(explain(error('TooManyAttempts', { retryAfterSeconds: 870 }), ctx).message).toBe('Too many failed logins for this email. Try again in 14 min 30 s.');
    expect(explain(error('RateLimited', { retryAfterSeconds: 45 }), ctx).message).toBe('Slow down: try again in 45 s.');
    const resetsAt = new Date(Date.now() + (3 * 3600 + 11 * 60 + 30) * 1000).toISOString();
    expect(explain(error('QuotaExceeded', { kind: 'requests', limit: 50, used: 50, resetsAt }), ctx).message).toMatch(/^You have used all 50 prompts for today\. The quota resets in 3 h 1[12] min\.$/);
  });
});

describe('the commands the CLI suggests', () => {
  it('are typed with npx, as the README runs them, unless the CLI ran as tollgate from PATH', () => {
    expect(cliName({ npm_command: 'exec' }, '/repo/node_modules/.bin/tollgate')).toBe('npx tollgate');
    expect(cliName({}, '/repo/bin/tollgate.mjs')).toBe('npx tollgate');
    expect(cliName({ npm_command: 'run-script' }, '/repo/client/cli.ts')).toBe('npx tollgate');
    expect(cliName({}, '/usr/local/bin/tollgate')).toBe('tollgate');
  });
});

describe('the module the web page shares', () => {
  it('loads and formats where there is no process, as in a browser', async () => {
    // web/src imports formatDuration from here: a top-level read of process.env blanked the page once.
    const out = await build({ entryPoints: ['client/cli-text.ts'], bundle: true, write: false, format: 'iife', globalName: 'cliText', platform: 'browser', logLevel: 'silent' });
    const context: Record<string, unknown> = {};
    runInNewContext(`${out.outputFiles[0]!.text}\nglobalThis.shown = cliText.formatDuration(870);`, context);
    expect(context.shown).toBe('14 min 30 s');
  });
});
