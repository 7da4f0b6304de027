// IAM for the configured models, right for each kind (Bedrock's inference-profile prerequisites,
// https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html, checked
// 2026-11-30: "if you specify an inference profile in the Resource field, you must also specify
// the foundation model in each Region associated with it"):
// - a foundation model: its ARN in the Bedrock Region;
// - a geographic profile (us./eu.): the profile's ARN, and the foundation model in every Region
//   of the geography, usable only through that profile;
// - a global profile: the same, plus the Region-less foundation-model ARN that global routing
//   is authorized against (https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html);
// - an application profile: its ARN, and whatever the model or profile it wraps needs, usable
//   only through the application profile (or the system profile it wraps).
// Converse is authorized as bedrock:InvokeModel. InvokeModelWithResponseStream is left out until
// streaming needs it.
import { GEOGRAPHY_REGIONS, type ResolvedModel } from './models.ts';

export interface Where {
  partition: string;
  /** The Bedrock (source) Region. */
  region: string;
  account: string;
}

export interface Grant {
  resources: string[];
  /** bedrock:InferenceProfileArn must be one of these, when present. */
  throughProfiles?: string[];
}

const foundationModel = (w: Where, region: string, modelId: string) => `arn:${w.partition}:bedrock:${region}::foundation-model/${modelId}`;
const systemProfileArn = (w: Where, profileId: string) => `arn:${w.partition}:bedrock:${w.region}:${w.account}:inference-profile/${profileId}`;

/** The foundation-model ARNs a profile of this scope may route to. */
function routedModels(w: Where, m: ResolvedModel, scope: NonNullable<ResolvedModel['scope']>): string[] {
  if (scope === 'global') return [foundationModel(w, w.region, m.model.modelId), `arn:${w.partition}:bedrock:::foundation-model/${m.model.modelId}`];
  return GEOGRAPHY_REGIONS[scope].map((region) => foundationModel(w, region, m.model.modelId));
}

export function modelGrants(models: ResolvedModel[], w: Where): Grant[] {
  const direct: string[] = [];
  const grants: Grant[] = [];
  for (const m of models) {
    if (m.kind === 'foundation-model') {
      direct.push(foundationModel(w, w.region, m.id));
    } else if (m.kind === 'system-inference-profile') {
      const profile = systemProfileArn(w, m.id);
      direct.push(profile);
      grants.push({ resources: routedModels(w, m, m.scope!), throughProfiles: [profile] });
    } else {
      direct.push(m.id);
      if (m.scope) {
        const inner = systemProfileArn(w, m.wraps!);
        direct.push(inner);
        grants.push({ resources: routedModels(w, m, m.scope), throughProfiles: [m.id, inner] });
      } else {
        grants.push({ resources: [foundationModel(w, w.region, m.model.modelId)], throughProfiles: [m.id] });
      }
    }
  }
  return [{ resources: [...new Set(direct)] }, ...grants];
}

/**
 * The resource metadata that records what each configured application inference profile wraps
 * (ARN → model or system profile ID), for the emulator's Bedrock IAM; null when there is none.
 */
export const APPLICATION_PROFILES_METADATA = 'tollgate:applicationInferenceProfiles';

export function applicationProfilesMetadata(models: ResolvedModel[]): { key: string; value: Record<string, string> } | null {
  const value = Object.fromEntries(models.filter((m) => m.kind === 'application-inference-profile' && m.wraps).map((m) => [m.id, m.wraps!]));
  return Object.keys(value).length > 0 ? { key: APPLICATION_PROFILES_METADATA, value } : null;
}
