// The doctor against the running emulator: the rows with a local counterpart (models through the
// local Bedrock's control plane, the signing secret) and "n/a offline" for the rest; and model
// rows for a Legacy, an end-of-life and a not-granted model from the local control plane.
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelRows } from '../../admin/doctor/checks.ts';
import { doctorLocal } from '../../admin/doctor/index.ts';
import { startBedrock, type LocalBedrock } from '../../emulator/local/bedrock.ts';
import { catalogModel } from '../../infra/models.ts';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';
import { TEST_CDK_OUT } from '../helpers/global-setup.ts';

let api: TestEmulator;
let bedrock: LocalBedrock;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const LEGACY = { ...catalogModel('amazon.nova-lite-v1:0')!, modelId: 'acme.legacy-v1:0', name: 'Acme Legacy', lifecycle: 'LEGACY' as const, eolDate: '2027-02-01' };

beforeAll(async () => {
  api = await startTestEmulator();
  bedrock = await startBedrock({ control: { extraModels: [LEGACY], notAuthorized: ['anthropic.claude-haiku-4-5-20251001-v1:0'] } });
});

afterAll(async () => {
  await bedrock?.close();
  await api?.stop();
});

describe('npm run doctor against the emulator', () => {
  it('checks the configured model and the signing secret locally, and says n/a offline for the rest', async () => {
    const rows = await doctorLocal(api.dataDir, TEST_CDK_OUT, { probe: false });
    expect(rows.map((r) => [r.check, r.status])).toEqual([
      ['us.amazon.nova-2-lite-v1:0: profile', 'ok'],
      ['us.amazon.nova-2-lite-v1:0: lifecycle', 'ok'],
      ['us.amazon.nova-2-lite-v1:0: access', 'ok'],
      ['API key', 'na'],
      ['signing secret', 'ok'],
      ['alarm topic', 'na'],
      ['WAF', 'na'],
      ['model concurrency', 'na'],
    ]);
    expect(rows.find((r) => r.check === 'WAF')!.detail).toBe('n/a offline');
  });

  it('says there is no running emulator, and what to do', async () => {
    await expect(doctorLocal('/nonexistent/tollgate-data', TEST_CDK_OUT, { probe: false })).rejects.toThrow(/No running emulator .* Start it with npm start, or check a deployed stack with --stage/);
  });
});

describe('model rows from the local control plane', () => {
  const rows = async (id: string, probe = false) => {
    const control = new BedrockClient({ region: 'us-east-1', endpoint: bedrock.controlUrl, credentials, maxAttempts: 1 });
    const runtime = probe ? new BedrockRuntimeClient({ region: 'us-east-1', endpoint: bedrock.url, credentials, maxAttempts: 1 }) : undefined;
    try {
      return Object.fromEntries((await modelRows({ bedrock: control, runtime }, id)).map((r) => [r.check.split(': ')[1], r]));
    } finally {
      control.destroy();
      runtime?.destroy();
    }
  };

  it('warns about a Legacy model with its end date', async () => {
    expect((await rows('acme.legacy-v1:0')).lifecycle).toMatchObject({ status: 'warn', detail: 'acme.legacy-v1:0 is Legacy: Bedrock ends it on 2027-02-01' });
  });

  it('fails an end-of-life model and names the replacement', async () => {
    expect((await rows('cohere.command-r-plus-v1:0')).lifecycle).toMatchObject({ status: 'fail', fix: expect.stringContaining('Amazon Nova 2 Lite (amazon.nova-2-lite-v1:0)') });
  });

  it('fails a profile-only model configured by its bare ID, and a model whose access is not granted', async () => {
    expect((await rows('amazon.nova-2-lite-v1:0'))['on demand']).toMatchObject({ status: 'fail', fix: expect.stringContaining('inference profile') });
    expect((await rows('anthropic.claude-haiku-4-5-20251001-v1:0')).access).toMatchObject({ status: 'fail', fix: expect.stringContaining('use case form') });
  });

  it('probes with a one-token Converse call, and reports what Bedrock refuses', async () => {
    expect((await rows('us.amazon.nova-2-lite-v1:0', true)).probe).toMatchObject({ status: 'ok' });
    expect((await rows('cohere.command-r-v1:0', true)).probe).toBeUndefined(); // the lifecycle row already failed
    expect((await rows('amazon.nova-lite-v1:0', true)).probe).toMatchObject({ status: 'ok' });
  });
});
