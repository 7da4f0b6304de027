// The browser tests' own cloud assembly: the default stack with two models (so the page's model
// picker has a choice), a daily limit of 3 prompts (so a test can use it up) and room for the
// registrations three viewports make from one address.
import { join } from 'node:path';
import { ROOT, synthIfChanged } from '../../emulator/synth.ts';

export const BROWSER_CDK_OUT = join(ROOT, '.tollgate', 'browser-cdk.out');

export const BROWSER_STACK_SETTINGS = {
  TOLLGATE_REGION: 'us-east-1',
  TOLLGATE_MODELS: 'us.amazon.nova-2-lite-v1:0,us.anthropic.claude-haiku-4-5-20251001-v1:0=Claude Haiku 4.5',
  TOLLGATE_DAILY_PROMPT_LIMIT: '3',
  TOLLGATE_REGISTRATIONS_PER_IP_PER_HOUR: '100',
} as const;

export default async function setup(): Promise<void> {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_'))), ...BROWSER_STACK_SETTINGS };
  await synthIfChanged(BROWSER_CDK_OUT, () => undefined, env);
}
