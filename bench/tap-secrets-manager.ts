// Stands in for emulator/local/secrets-manager.ts when bench/index.ts redirects emulator/start.ts
// to it: the real local Secrets Manager, with the counting proxy in front while the tap is armed.
import { startSecretsManager as startReal, type LocalSecretsManager, type SecretsManagerOptions } from '../emulator/local/secrets-manager.ts';
import { fronted } from './tap.ts';

export * from '../emulator/local/secrets-manager.ts';

export async function startSecretsManager(opts: SecretsManagerOptions): Promise<LocalSecretsManager> {
  return fronted('secretsmanager', await startReal(opts));
}
