// `npm start`: synthesize if needed, then serve the API offline and say how to use it.
import { join } from 'node:path';
import { startEmulator } from './start.ts';
import { ROOT, synthIfChanged } from './synth.ts';

// The SDK warns that it will soon need Node.js 22; Lambda already runs 22, so it is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const cdkOut = process.env.TOLLGATE_CDK_OUT ?? join(ROOT, 'cdk.out');
  const dataDir = process.env.TOLLGATE_DATA_DIR ?? join(ROOT, '.tollgate', 'data');
  const port = process.env.PORT ? Number(process.env.PORT) : 4000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number. Received: ${process.env.PORT}`);
  const log = (line: string) => process.stdout.write(line + '\n');

  await synthIfChanged(cdkOut, log);
  const emulator = await startEmulator({
    cdkOut,
    dataDir,
    port,
    host: process.env.HOST ?? '127.0.0.1',
    apiKey: process.env.TOLLGATE_API_KEY,
    bedrockRegion: process.env.TOLLGATE_BEDROCK_REGION,
  });
  const env = Object.fromEntries(Object.entries(emulator.stack.api.environment).map(([k, v]) => [k, String(v)]));
  const model = process.env.TOLLGATE_BEDROCK_REGION
    ? `Amazon Bedrock in ${process.env.TOLLGATE_BEDROCK_REGION} (hybrid mode)`
    : 'the Tollgate dev model (deterministic, offline)';
  const q = (s: string) => `'${s}'`;
  log(`
  Tollgate is running offline (${emulator.stack.stackName})

  GraphQL   ${emulator.graphqlUrl}
  Explorer  ${emulator.url}/
  API key   ${emulator.apiKey}   (x-api-key, for register and login)
  Data      ${dataDir}
  Model     ${model}; default ${env.DEFAULT_MODEL}
  Limits    ${env.DAILY_PROMPT_LIMIT} prompts a day, ${env.PROMPTS_PER_MINUTE} a minute, ${env.DAILY_TOKEN_LIMIT} tokens a day

  Try it:
    curl -s ${emulator.graphqlUrl} -H 'content-type: application/json' -H 'x-api-key: ${emulator.apiKey}' \\
      -d ${q('{"query":"mutation { register(email: \\"me@example.com\\", password: \\"correct horse battery\\") { id email message } }"}')}
`);
  const stop = async () => {
    log('Stopping…');
    await emulator.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`\nTollgate could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
