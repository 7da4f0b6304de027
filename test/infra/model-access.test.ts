// GIVEN a model configuration of each kind, WHEN the stack synthesizes, THEN the model function
// may invoke exactly those models, in the Regions their profiles route to, and nothing else.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadConfig, settingsFrom } from '../../infra/config.ts';
import { APPLICATION_PROFILES_METADATA } from '../../infra/model-access.ts';
import { GEOGRAPHY_REGIONS } from '../../infra/models.ts';
import { TollgateStack } from '../../infra/stack.ts';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: { StringEquals: { 'bedrock:InferenceProfileArn': unknown[] } };
}

/** The model function's Bedrock statements, with CloudFormation joins flattened to strings. */
function bedrockStatements(env: Record<string, string>): { resources: string[]; through?: string[] }[] {
  const config = loadConfig(settingsFrom(() => undefined, env));
  const template = Template.fromStack(new TollgateStack(new App(), 'Test', { config }));
  const flat = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const join = (v as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(flat).join(join[0]);
    if ((v as { Ref?: string }).Ref === 'AWS::AccountId') return '${Account}';
    if ((v as { Ref?: string }).Ref === 'AWS::Partition') return 'aws';
    throw new Error(`unexpected ${JSON.stringify(v)}`);
  };
  const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
  const grants = (fn: string, action: string) =>
    policies
      .filter(([id]) => id.startsWith(fn))
      .flatMap(([, p]) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement)
      .filter((s) => String(s.Action).startsWith('bedrock:'))
      .map((s) => {
        expect(s.Action).toBe(action);
        const resources = (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(flat);
        const through = s.Condition?.StringEquals['bedrock:InferenceProfileArn'].map(flat);
        return through ? { resources, through } : { resources };
      });
  const others = JSON.stringify(policies.filter(([id]) => !id.startsWith('ModelFunction') && !id.startsWith('StreamFunction')));
  expect(others).not.toContain('bedrock:');
  const all = JSON.stringify(template.findResources('AWS::IAM::Policy'));
  expect(all).not.toContain('"bedrock:*"');
  expect(all).not.toMatch(/foundation-model\/\*/);
  const blocking = grants('ModelFunction', 'bedrock:InvokeModel');
  // The stream function (ConverseStream) gets the same models, as InvokeModelWithResponseStream.
  expect(grants('StreamFunction', 'bedrock:InvokeModelWithResponseStream')).toEqual(blocking);
  return blocking;
}

const fm = (region: string, id: string) => `arn:aws:bedrock:${region}::foundation-model/${id}`;
const NOVA2 = 'amazon.nova-2-lite-v1:0';
const APP = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6';

describe('Bedrock access for each kind of model ID', () => {
  it('grants a foundation model its ARN in the Bedrock Region only', () => {
    expect(bedrockStatements({ TOLLGATE_MODELS: 'amazon.nova-lite-v1:0' })).toEqual([{ resources: [fm('us-east-1', 'amazon.nova-lite-v1:0')] }]);
  });

  it('grants a geographic profile its ARN and the model in every Region of the geography, only through the profile', () => {
    const profile = 'arn:aws:bedrock:us-east-1:${Account}:inference-profile/us.amazon.nova-2-lite-v1:0';
    expect(bedrockStatements({})).toEqual([
      { resources: [profile] },
      { resources: GEOGRAPHY_REGIONS.us.map((r) => fm(r, NOVA2)), through: [profile] },
    ]);
  });

  it('binds an EU stack to eu. profiles and EU Regions', () => {
    const profile = 'arn:aws:bedrock:eu-west-1:${Account}:inference-profile/eu.amazon.nova-2-lite-v1:0';
    expect(bedrockStatements({ TOLLGATE_REGION: 'eu-west-1' })).toEqual([
      { resources: [profile] },
      { resources: GEOGRAPHY_REGIONS.eu.map((r) => fm(r, NOVA2)), through: [profile] },
    ]);
  });

  it('grants a global profile the Region-less foundation-model ARN as well', () => {
    const profile = 'arn:aws:bedrock:us-east-1:${Account}:inference-profile/global.amazon.nova-2-lite-v1:0';
    expect(bedrockStatements({ TOLLGATE_GLOBAL_INFERENCE: 'true' })).toEqual([
      { resources: [profile] },
      { resources: [fm('us-east-1', NOVA2), `arn:aws:bedrock:::foundation-model/${NOVA2}`], through: [profile] },
    ]);
  });

  it('grants an application profile its ARN and what it wraps, only through it', () => {
    const inner = 'arn:aws:bedrock:us-east-1:${Account}:inference-profile/us.amazon.nova-2-lite-v1:0';
    expect(bedrockStatements({ TOLLGATE_MODELS: `${APP}@us.amazon.nova-2-lite-v1:0=Support` })).toEqual([
      { resources: [APP, inner] },
      { resources: GEOGRAPHY_REGIONS.us.map((r) => fm(r, NOVA2)), through: [APP, inner] },
    ]);
    expect(bedrockStatements({ TOLLGATE_MODELS: `${APP}@amazon.nova-lite-v1:0` })).toEqual([
      { resources: [APP] },
      { resources: [fm('us-east-1', 'amazon.nova-lite-v1:0')], through: [APP] },
    ]);
  });

  it('grants a mix of all three in one policy, each the way its kind needs', () => {
    const statements = bedrockStatements({
      TOLLGATE_MODELS: `us.amazon.nova-2-lite-v1:0,amazon.nova-lite-v1:0,us.anthropic.claude-haiku-4-5-20251001-v1:0,${APP}@amazon.nova-lite-v1:0`,
    });
    expect(statements[0]!.resources).toEqual([
      'arn:aws:bedrock:us-east-1:${Account}:inference-profile/us.amazon.nova-2-lite-v1:0',
      fm('us-east-1', 'amazon.nova-lite-v1:0'),
      'arn:aws:bedrock:us-east-1:${Account}:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0',
      APP,
    ]);
    expect(statements.slice(1).map((s) => s.through)).toEqual([
      ['arn:aws:bedrock:us-east-1:${Account}:inference-profile/us.amazon.nova-2-lite-v1:0'],
      ['arn:aws:bedrock:us-east-1:${Account}:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0'],
      [APP],
    ]);
    // No foundation-model ARN is granted without a condition except the in-Region one.
    expect(statements[0]!.resources.filter((r) => r.includes('foundation-model'))).toEqual([fm('us-east-1', 'amazon.nova-lite-v1:0')]);
  });

  it('records what each application profile wraps on the model function, for the emulator (the ARN does not say)', () => {
    const metadataOf = (env: Record<string, string>) => {
      const template = Template.fromStack(new TollgateStack(new App(), 'Test', { config: loadConfig(settingsFrom(() => undefined, env)) }));
      const [fn] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith('ModelFunction'));
      return (fn![1] as { Metadata?: Record<string, unknown> }).Metadata?.[APPLICATION_PROFILES_METADATA];
    };
    expect(metadataOf({ TOLLGATE_MODELS: `us.amazon.nova-2-lite-v1:0,${APP}@us.amazon.nova-2-lite-v1:0=Support` })).toEqual({ [APP]: 'us.amazon.nova-2-lite-v1:0' });
    expect(metadataOf({})).toBeUndefined();
  });
});
