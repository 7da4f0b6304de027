// The local Bedrock control plane: the three read calls `npm run doctor` makes (GetFoundationModel,
// GetInferenceProfile, GetFoundationModelAvailability), answered from the model catalog
// (infra/models.ts), over HTTP/1.1 as the Bedrock SDK client speaks it (REST-JSON:
// GET /foundation-models/{id}, /inference-profiles/{id}, /foundation-model-availability/{id}).
// Tests add models the catalog does not have (a LEGACY one) and models whose access is not granted.
//
// Where AWS's answer is not verified here, the choice is named: an end-of-life model's
// GetFoundationModel answers 404 ResourceNotFoundException with the runtime's end-of-life message,
// and a profile-only model lists inferenceTypesSupported ["INFERENCE_PROFILE"].
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { catalogModel, GEOGRAPHY_REGIONS, type CatalogModel, type Geography } from '../../infra/models.ts';

export interface ControlPlaneOptions {
  /** Models beyond the catalog, e.g. a LEGACY one for tests. */
  extraModels?: CatalogModel[];
  /** Model IDs whose access this "account" has not been granted. */
  notAuthorized?: string[];
  region?: string;
  account?: string;
  host?: string;
}

export interface LocalBedrockControl {
  url: string;
  close(): Promise<void>;
}

const PROFILE = /^(us|eu|global)\.(.+)$/;

export async function startBedrockControl(opts: ControlPlaneOptions = {}): Promise<LocalBedrockControl> {
  const region = opts.region ?? 'us-east-1';
  const account = opts.account ?? '000000000000';
  const extra = new Map((opts.extraModels ?? []).map((m) => [m.modelId, m]));
  const find = (id: string) => extra.get(id) ?? catalogModel(id);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown, errorType?: string) => {
      const payload = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
      res.end(payload);
    };
    const notFound = (message: string) => send(404, { message }, 'ResourceNotFoundException');
    req.resume();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const [, resource, raw] = /^\/(foundation-models|inference-profiles|foundation-model-availability)\/([^/]+)$/.exec(path) ?? [];
    if (req.method !== 'GET' || !resource || !raw) return send(404, { message: `No operation matches ${req.method} ${path}` }, 'UnknownOperationException');
    const id = decodeURIComponent(raw);

    if (resource === 'inference-profiles') {
      const [, prefix, modelId] = PROFILE.exec(id) ?? [];
      const model = modelId ? find(modelId) : undefined;
      const offered = model && model.lifecycle !== 'EOL' && (prefix === 'global' ? model.global : model.geographies.includes(prefix as Geography));
      if (!model || !offered) return notFound(`The inference profile ${id} does not exist in ${region}.`);
      const regions = prefix === 'global' ? [region] : GEOGRAPHY_REGIONS[prefix as Geography];
      return send(200, {
        inferenceProfileName: `${prefix === 'global' ? 'Global' : prefix!.toUpperCase()} ${model.name}`,
        inferenceProfileArn: `arn:aws:bedrock:${region}:${account}:inference-profile/${id}`,
        inferenceProfileId: id,
        status: 'ACTIVE',
        type: 'SYSTEM_DEFINED',
        models: [
          ...regions.map((r) => ({ modelArn: `arn:aws:bedrock:${r}::foundation-model/${model.modelId}` })),
          ...(prefix === 'global' ? [{ modelArn: `arn:aws:bedrock:::foundation-model/${model.modelId}` }] : []),
        ],
      });
    }

    const model = find(id);
    if (!model) return send(400, { message: 'The provided model identifier is invalid.' }, 'ValidationException');
    if (model.lifecycle === 'EOL') return notFound('This model version has reached the end of its life. Please refer to the AWS documentation for more details.');
    if (resource === 'foundation-model-availability') {
      const authorized = !(opts.notAuthorized ?? []).includes(id);
      return send(200, {
        modelId: id,
        agreementAvailability: { status: authorized ? 'AVAILABLE' : 'NOT_AVAILABLE' },
        authorizationStatus: authorized ? 'AUTHORIZED' : 'NOT_AUTHORIZED',
        entitlementAvailability: authorized ? 'AVAILABLE' : 'NOT_AVAILABLE',
        regionAvailability: 'AVAILABLE',
      });
    }
    return send(200, {
      modelDetails: {
        modelArn: `arn:aws:bedrock:${region}::foundation-model/${model.modelId}`,
        modelId: model.modelId,
        modelName: model.name.replace(/^(Amazon|Anthropic|Cohere) /, ''),
        providerName: model.provider,
        inputModalities: ['TEXT'],
        outputModalities: ['TEXT'],
        responseStreamingSupported: true,
        customizationsSupported: [],
        inferenceTypesSupported: model.inRegion ? ['ON_DEMAND'] : ['INFERENCE_PROFILE'],
        // Bedrock's model declares these as RFC 3339 date-times.
        modelLifecycle: { status: model.lifecycle, ...(model.eolDate ? { endOfLifeTime: `${model.eolDate}T00:00:00Z` } : {}) },
      },
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
