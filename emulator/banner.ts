// What `npm start` and `npm run dev` print once the API is up: where it is, how to call it, and
// what it runs with.
import type { Emulator, EmulatorOptions } from './start.ts';

function exposure(options: EmulatorOptions): string | null {
  const host = options.host ?? '127.0.0.1';
  if (host === '127.0.0.1' || host === 'localhost' || host === '::1') return null;
  const names = ['localhost', 'IP addresses', ...(options.http?.allowedHosts ?? [])].join(', ');
  return `  Network   listening on ${host}: other machines can reach it (host names answered: ${names})`;
}

export function banner(emulator: Emulator, options: EmulatorOptions, env: NodeJS.ProcessEnv = process.env): string {
  const vars = Object.fromEntries(Object.entries(emulator.stack.api.environment).map(([k, v]) => [k, String(v)]));
  const model = env.TOLLGATE_BEDROCK_REGION
    ? `Amazon Bedrock in ${env.TOLLGATE_BEDROCK_REGION} (hybrid mode)`
    : env.TOLLGATE_LOCAL_MODEL_URL
      ? `${env.TOLLGATE_LOCAL_MODEL ?? 'the requested model'} at ${env.TOLLGATE_LOCAL_MODEL_URL} (OpenAI-compatible)`
      : 'the Tollgate dev model (deterministic, offline)';
  const cors = options.http?.corsOrigins.length ? `  Browsers  pages from ${options.http.corsOrigins.join(', ')} may call it (TOLLGATE_CORS_ORIGINS)` : null;
  const q = (s: string) => `'${s}'`;
  return [
    '',
    `  Tollgate is running offline (${emulator.stack.stackName})`,
    '',
    `  GraphQL   ${emulator.graphqlUrl}`,
    `  Real-time ${emulator.realtimeUrl}   (wss:// too; trust ${emulator.tls.caFile})`,
    `  Web page  ${emulator.url}/   (chat, and the API in GraphiQL)`,
    `  API key   ${emulator.apiKey}   (x-api-key, for register and login)`,
    `  Data      ${emulator.dataDir}`,
    `  Model     ${model}; default ${vars.DEFAULT_MODEL}`,
    `  Limits    ${vars.DAILY_PROMPT_LIMIT} prompts a day, ${vars.PROMPTS_PER_MINUTE} a minute, ${vars.DAILY_TOKEN_LIMIT} tokens a day`,
    emulator.iamEnforced ? '  IAM       the template’s policies are enforced (TOLLGATE_IAM=off to stop)' : '  IAM       the template’s policies are not enforced (TOLLGATE_IAM=off)',
    ...[exposure(options), cors].filter((l): l is string => l !== null),
    '',
    '  Try it:',
    `    open ${emulator.url}/ in a browser; or, in this folder:`,
    '      npx tollgate register me@example.com',
    '      npx tollgate login me@example.com',
    '      npx tollgate chat',
    '    or over HTTP:',
    `      curl -s ${emulator.graphqlUrl} -H 'content-type: application/json' -H 'x-api-key: ${emulator.apiKey}' \\`,
    `        -d ${q('{"query":"mutation { register(email: \\"me@example.com\\", password: \\"correct horse battery\\") { id email message } }"}')}`,
    '',
  ].join('\n');
}
