// `npm start`: synthesize if needed, then serve the API offline and say how to use it.
import { startEmulator } from './start.ts';
import { settingsFromEnv } from './settings.ts';
import { synthIfChanged } from './synth.ts';

// The SDK warns that it will soon need Node.js 22; Lambda runs 24, so it is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const settings = settingsFromEnv();
  const log = (line: string) => process.stdout.write(line + '\n');

  await synthIfChanged(settings.cdkOut, log);
  const emulator = await startEmulator(settings);
  const dataDir = settings.dataDir;
  const env = Object.fromEntries(Object.entries(emulator.stack.api.environment).map(([k, v]) => [k, String(v)]));
  const model = process.env.TOLLGATE_BEDROCK_REGION
    ? `Amazon Bedrock in ${process.env.TOLLGATE_BEDROCK_REGION} (hybrid mode)`
    : process.env.TOLLGATE_LOCAL_MODEL_URL
      ? `${process.env.TOLLGATE_LOCAL_MODEL ?? 'the requested model'} at ${process.env.TOLLGATE_LOCAL_MODEL_URL} (OpenAI-compatible)`
      : 'the Tollgate dev model (deterministic, offline)';
  const q = (s: string) => `'${s}'`;
  log(`
  Tollgate is running offline (${emulator.stack.stackName})

  GraphQL   ${emulator.graphqlUrl}
  Real-time ${emulator.realtimeUrl}   (wss:// too; trust ${emulator.tls.caFile})
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
