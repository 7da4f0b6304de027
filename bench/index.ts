// `npm run bench`: throughput and latency of the offline API against a bare graphql-js baseline,
// Lambda cold starts, AWS operations and cost per prompt, and the authorizer's verification rate.
// Writes bench/results/<ISO date>.{json,md,svg}. Never part of `npm test`.
//
//   npm run bench [-- --quick]
//
// Before anything imports the emulator, emulator/start.ts's local DynamoDB and Secrets Manager
// are redirected to bench/tap-*.ts (an ESM resolve hook), so the operations phase can count the
// calls the real pipeline makes without any change to emulator code.
import { register } from 'node:module';

const redirects: Record<string, string> = {
  './local/dynamodb-backend.ts': new URL('./tap-dynamodb.ts', import.meta.url).href,
  './local/secrets-manager.ts': new URL('./tap-secrets-manager.ts', import.meta.url).href,
};
const hooks = `
const redirects = ${JSON.stringify(redirects)};
export async function resolve(specifier, context, next) {
  if ((context.parentURL ?? '').includes('/emulator/start.ts') && Object.hasOwn(redirects, specifier)) {
    return next(redirects[specifier], context);
  }
  return next(specifier, context);
}`;
register('data:text/javascript,' + encodeURIComponent(hooks));

// The SDK's notice about Node 20 is noise here: Lambda runs these bundles on Node.js 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { main } = await import('./main.ts');
await main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
