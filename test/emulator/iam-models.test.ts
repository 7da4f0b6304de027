// Each kind of model ID through the real model function and the local Bedrock, with the grants
// synth writes for it (infra/model-access.ts): a foundation model in-Region, a geographic profile
// (with its condition), a global profile and an application profile answer; a model outside the
// grant, a destination Region the grant misses, and a global profile without its Region-less ARN
// are refused as Bedrock refuses them, and the prompt is not charged.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../client/index.ts';
import { ROOT, synthIfChanged } from '../../emulator/synth.ts';
import { freshUser, startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';
import { resourceNamed, templateVariant, withoutResource } from '../helpers/template-variant.ts';

const ACCOUNT = '000000000000';
const APP = `arn:aws:bedrock:eu-west-1:${ACCOUNT}:application-inference-profile/a1b2c3d4e5f6`;
const NOVA2 = 'amazon.nova-2-lite-v1:0';
const KINDS = {
  'a foundation model in-Region': 'amazon.nova-lite-v1:0',
  'a geographic profile': `eu.${NOVA2}`,
  'a global profile': `global.${NOVA2}`,
  'an application profile': APP,
};
/** A stack calling Bedrock in eu-west-1 with one model of each kind (the default test assembly covers us.). */
const SETTINGS = {
  TOLLGATE_REGION: 'us-east-1',
  TOLLGATE_BEDROCK_REGION: 'eu-west-1',
  TOLLGATE_MODELS: `eu.${NOVA2},amazon.nova-lite-v1:0,global.${NOVA2},${APP}@eu.${NOVA2}=Support bot`,
};
const CDK_OUT = join(ROOT, '.tollgate', 'test-cdk-models.out');
const CLAUDE = 'eu.anthropic.claude-haiku-4-5-20251001-v1:0';

let granted: TestEmulator;
let drifted: TestEmulator;
let copy: ReturnType<typeof templateVariant>;

beforeAll(async () => {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_'))), ...SETTINGS };
  await synthIfChanged(CDK_OUT, () => undefined, env);
  // The same stack with its models' list and their grant drifted apart.
  copy = templateVariant(CDK_OUT, (r) => {
    const api = resourceNamed(r, 'Api').Properties as { EnvironmentVariables: { MODELS: string } };
    api.EnvironmentVariables.MODELS += `,${CLAUDE}=Claude`;
    withoutResource(r, 'ModelFunctionServiceRoleDefaultPolicy', `arn:aws:bedrock:eu-north-1::foundation-model/${NOVA2}`);
    withoutResource(r, 'ModelFunctionServiceRoleDefaultPolicy', `arn:aws:bedrock:::foundation-model/${NOVA2}`);
  });
  [granted, drifted] = await Promise.all([startTestEmulator({ cdkOut: CDK_OUT }), startTestEmulator({ cdkOut: copy.cdkOut })]);
});

afterAll(async () => {
  await Promise.all([granted?.stop(), drifted?.stop()]);
  copy?.remove();
});

const modelRole = (api: TestEmulator) => {
  const fn = [...api.stack.lambdas.values()].find((f) => f.logicalId.startsWith('ModelFunction'))!;
  return `arn:aws:sts::${ACCOUNT}:assumed-role/${api.stack.stackName}-${fn.roleLogicalId}/${fn.functionName}`;
};

describe('a model of each kind, with the grant synth wrote for it', () => {
  for (const [kind, model] of Object.entries(KINDS)) {
    it(`answers for ${kind} (${model.replace(/^arn:.*\//, '…/')})`, async () => {
      const user = await freshUser(granted);
      const answer = await user.client.sendPrompt('Say hello.', { model });
      expect(answer).toMatchObject({ status: 'COMPLETED', model });
    });
  }

  it('refuses nothing along the way', () => {
    expect(granted.logs.filter((l) => l.startsWith('[iam]') && l.includes('refused'))).toEqual([]);
  });
});

describe('a model call the grant does not cover', () => {
  const refused = async (model: string) => {
    const user = await freshUser(drifted);
    const failure = await user.client.sendPrompt('Say hello.', { model }).then(() => null, (e: unknown) => e as TollgateError);
    expect(failure).toBeInstanceOf(TollgateError);
    expect(failure!.errorType).toBe('ModelError');
    expect(await user.client.myUsage()).toMatchObject({ queries: 0 });
    return failure!;
  };
  const refusal = (resource: string) =>
    `[iam] bedrock refused: User: ${modelRole(drifted)} is not authorized to perform: bedrock:InvokeModel on resource: ${resource} because no identity-based policy allows the bedrock:InvokeModel action`;

  it('is a model the list names but the grant does not: a permanent ModelError that says so, not charged', async () => {
    const failure = await refused(CLAUDE);
    expect(failure.message).toBe(`The model function’s role may not invoke ${CLAUDE}. The operator must deploy the stack with this model in TOLLGATE_MODELS (its IAM grant follows that list). Your quota was not charged.`);
    expect(failure.errorInfo).toMatchObject({ retryable: false });
    expect(drifted.logs).toContain(refusal(`arn:aws:bedrock:eu-west-1:${ACCOUNT}:inference-profile/${CLAUDE}`));
  });

  it('is a geographic profile whose grant misses one destination Region: refused every time, naming that Region’s model', async () => {
    await refused(`eu.${NOVA2}`);
    expect(drifted.logs).toContain(refusal(`arn:aws:bedrock:eu-north-1::foundation-model/${NOVA2}`));
  });

  it('is a global profile without the Region-less foundation-model ARN', async () => {
    await refused(`global.${NOVA2}`);
    expect(drifted.logs).toContain(refusal(`arn:aws:bedrock:::foundation-model/${NOVA2}`));
  });

  it('leaves the models the grant still covers answering', async () => {
    const user = await freshUser(drifted);
    await expect(user.client.sendPrompt('Say hello.', { model: 'amazon.nova-lite-v1:0' })).resolves.toMatchObject({ status: 'COMPLETED' });
  });
});
