// Stands in for emulator/local/secrets-manager.ts when bench/index.ts redirects emulator/start.ts
// to it: the real local Secrets Manager, with the counting proxy in front while the tap is armed.
import { startSecretsManager as startReal, type LocalSecretsManager, type SecretsManagerOptions } from '../emulator/local/secrets-manager.ts';
import { startCountingProxy, tap } from './tap.ts';

export * from '../emulator/local/secrets-manager.ts';

export async function startSecretsManager(opts: SecretsManagerOptions): Promise<LocalSecretsManager> {
  const real = await startReal(opts);
  if (!tap.armed) return real;
  const proxy = await startCountingProxy('secretsmanager', real.url);
  tap.installed.secretsmanager = true;
  return {
    ...real,
    url: proxy.url,
    port: proxy.port,
    close: async () => {
      await proxy.close();
      await real.close();
    },
  };
}
