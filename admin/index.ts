// `npm run admin -- <command>`: operator commands against the local data (default) or a
// deployed stack (--stage, --region, and the usual AWS credentials).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppSyncClient } from '@aws-sdk/client-appsync';
import { apiIdOf, renewApiKeys } from './api-key.ts';
import { DataFolderInUseError } from '../emulator/lock.ts';
import { AdminError, deployedTarget, localTarget } from './target.ts';
import * as commands from './commands.ts';

// The SDK warns that it will soon need Node.js 22; Lambda runs 24, so it is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = join(import.meta.dirname, '..');

const HELP = `Usage: npm run admin -- <command> <email> [options]

Commands:
  show <email>                     the user (no secrets), limits and today's usage
  usage <email> [--day YYYY-MM-DD] prompts and tokens used that day (UTC)
  set-limits <email> [--daily N] [--tokens N] [--per-minute N] [--in-flight N]
                                   per-user limits; "default" removes an override
  disable <email>                  refuse logins and revoke every token
  enable <email>                   allow logins again (and clear the email's failed-login count)
  revoke <email>                   revoke every token (logout everywhere)
  renew-api-key --stage <stage>    push the public API key's expiry 364 days ahead (AppSync's
                                   limit is 365); the local API key does not expire

Where:
  (default)                        the local data: the running emulator, or TOLLGATE_DATA_DIR
  --stage <stage> [--region <r>]   the deployed stack Tollgate-<stage>, with your AWS credentials
  --json                           print JSON only

Changes to limits, disabling and revocation apply within the authorizer cache TTL.`;

function limitValue(name: string, raw: string | undefined): number | 'default' | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'default') return 'default';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new AdminError(`--${name} must be a whole number ≥ 1 or "default". Received: ${raw}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      day: { type: 'string' },
      daily: { type: 'string' },
      tokens: { type: 'string' },
      'per-minute': { type: 'string' },
      'in-flight': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, email] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP + '\n');
    return command || values.help ? 0 : 2;
  }
  if (command === 'renew-api-key') {
    if (!values.stage) throw new AdminError('renew-api-key acts on a deployed stack: npm run admin -- renew-api-key --stage <stage> [--region <region>]. The local API key does not expire.');
    const appsync = new AppSyncClient(values.region ? { region: values.region } : {});
    try {
      const renewed = await renewApiKeys(appsync, await apiIdOf(values.stage, values.region));
      if (!values.json) process.stderr.write(`renew-api-key on stack Tollgate-${values.stage}:\n`);
      process.stdout.write(JSON.stringify(renewed, null, 2) + '\n');
      return 0;
    } finally {
      appsync.destroy();
    }
  }
  const known = ['show', 'usage', 'set-limits', 'disable', 'enable', 'revoke', 'renew-api-key'];
  if (!known.includes(command)) throw new AdminError(`Unknown command "${command}". Commands: ${known.join(', ')}.`);
  if (!email) throw new AdminError(`${command} needs an email: npm run admin -- ${command} <email>`);
  if (values.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.day)) throw new AdminError(`--day must be YYYY-MM-DD. Received: ${values.day}`);

  const target = values.stage
    ? await deployedTarget(values.stage, values.region)
    : await localTarget(ROOT, process.env.TOLLGATE_DATA_DIR ?? join(ROOT, '.tollgate', 'data'));
  try {
    let result: unknown;
    if (command === 'show') result = await commands.show(target, email);
    else if (command === 'usage') result = await commands.usage(target, email, values.day);
    else if (command === 'disable') result = await commands.disable(target, email);
    else if (command === 'enable') result = await commands.enable(target, email);
    else if (command === 'revoke') result = await commands.revoke(target, email);
    else {
      result = await commands.setLimits(target, email, {
        daily: limitValue('daily', values.daily),
        tokens: limitValue('tokens', values.tokens),
        'per-minute': limitValue('per-minute', values['per-minute']),
        'in-flight': limitValue('in-flight', values['in-flight']),
      });
    }
    if (!values.json) process.stderr.write(`${command} ${email} on ${target.description}:\n`);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return 0;
  } finally {
    await target.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof AdminError || error instanceof DataFolderInUseError;
    process.stderr.write(`admin: ${known ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`}\n`);
    if (!known) process.stderr.write('Run with --help for usage.\n');
    process.exit(known ? 1 : 3);
  },
);
