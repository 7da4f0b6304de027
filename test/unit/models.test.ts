// The model catalog and how a configured ID is resolved for a Bedrock Region: every kind of ID,
// and a message that says what to use instead for every ID that would fail on AWS.
import { describe, expect, it } from 'vitest';
import { CATALOG, catalogModel, defaultModelId, GEOGRAPHY_REGIONS, ModelConfigError, resolveModel } from '../../infra/models.ts';

const APP = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6';

describe('the model catalog', () => {
  it('gives every model the facts later work reads, with the AWS page and the day it was checked', () => {
    for (const m of CATALOG) {
      expect(m.source.url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(m.source.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(m.maxOutputTokens).toBeGreaterThan(0);
      expect(m.contextWindowTokens).toBeGreaterThan(m.maxOutputTokens);
      if (m.lifecycle !== 'ACTIVE') expect(m.eolDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (m.replacement) expect(catalogModel(m.replacement)?.lifecycle).toBe('ACTIVE');
    }
  });

  it('offers Nova 2 Lite as the default, a small in-Region model and an Anthropic model', () => {
    const active = CATALOG.filter((m) => m.lifecycle === 'ACTIVE');
    expect(catalogModel('amazon.nova-2-lite-v1:0')).toMatchObject({ inRegion: false, global: true, geographies: ['us', 'eu'] });
    expect(active.some((m) => m.inRegion && m.provider === 'Amazon')).toBe(true);
    expect(active.some((m) => m.provider === 'Anthropic' && m.needsUseCaseForm)).toBe(true);
  });
});

describe('resolving a configured model ID', () => {
  it('takes a foundation model ID that answers in-Region', () => {
    expect(resolveModel('amazon.nova-lite-v1:0', 'us-east-1')).toMatchObject({ id: 'amazon.nova-lite-v1:0', kind: 'foundation-model', name: 'Amazon Nova Lite' });
  });

  it('refuses a profile-only model by its bare ID and names the profiles to use', () => {
    expect(() => resolveModel('amazon.nova-2-lite-v1:0', 'us-east-1')).toThrow(/on-demand throughput isn’t supported.*us\.amazon\.nova-2-lite-v1:0 or global\.amazon\.nova-2-lite-v1:0/);
  });

  it('takes a geographic profile from a Region of its geography only', () => {
    expect(resolveModel('eu.amazon.nova-2-lite-v1:0', 'eu-west-1')).toMatchObject({ kind: 'system-inference-profile', scope: 'eu' });
    expect(() => resolveModel('eu.amazon.nova-2-lite-v1:0', 'us-east-1')).toThrow(/only be called from a Region in that geography.*us-east-1/);
    expect(() => resolveModel('apac.amazon.nova-2-lite-v1:0', 'ap-northeast-1')).toThrow(/no apac\. inference profile in the catalog/);
  });

  it('takes a global profile only for a model that has one', () => {
    expect(resolveModel('global.amazon.nova-2-lite-v1:0', 'sa-east-1')).toMatchObject({ kind: 'system-inference-profile', scope: 'global' });
    expect(() => resolveModel('global.amazon.nova-lite-v1:0', 'us-east-1')).toThrow(/no global inference profile/);
  });

  it('takes an application inference profile ARN with the ID it wraps, and refuses one without', () => {
    expect(resolveModel(`${APP}@us.amazon.nova-2-lite-v1:0`, 'us-east-1', 'Support bot')).toMatchObject({
      id: APP,
      name: 'Support bot',
      kind: 'application-inference-profile',
      wraps: 'us.amazon.nova-2-lite-v1:0',
      scope: 'us',
    });
    expect(resolveModel(`${APP}@amazon.nova-lite-v1:0`, 'us-east-1')).toMatchObject({ kind: 'application-inference-profile', name: 'Amazon Nova Lite' });
    expect(() => resolveModel(APP, 'us-east-1')).toThrow(/does not say which model it wraps; write it as <arn>@/);
    expect(() => resolveModel(`${APP}@us.amazon.nova-2-lite-v1:0`, 'us-west-2')).toThrow(/profile is in us-east-1/);
  });

  it('refuses a model the catalog does not know, or marks retired, with what to do', () => {
    expect(() => resolveModel('acme.unknown-v1:0', 'us-east-1')).toThrow(ModelConfigError);
    expect(() => resolveModel('acme.unknown-v1:0', 'us-east-1')).toThrow(/not in the model catalog \(infra\/models\.ts\)/);
    expect(() => resolveModel('us.anthropic.claude-3-haiku-20240307-v1:0', 'us-east-1')).toThrow(/end of life .*Claude Haiku 4\.5/);
  });

  it('knows which Regions each geography routes within', () => {
    expect(GEOGRAPHY_REGIONS.us).toContain('us-west-2');
    expect(GEOGRAPHY_REGIONS.eu).toContain('eu-central-1');
    expect(defaultModelId('us-west-2', false)).toBe('us.amazon.nova-2-lite-v1:0');
  });
});
