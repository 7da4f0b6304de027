// Reads a synthesized cloud assembly (cdk.out) into what the emulator serves: the AppSync API,
// its data sources, resolvers and functions, the tables, Lambda functions and secrets.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPLICATION_PROFILES_METADATA } from '../infra/model-access.ts';
import { TEMPLATE_CHOICES } from './appsync/choices.ts';

/** The Region a template not bound to one is served in (and the one the local endpoints name). */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
/** The API's id locally: in its ARN (IAM policies), the authorizer's requestContext.apiId. */
export const LOCAL_API_ID = 'local';
/** The API's ARN locally (IAM policies name its fields under it). */
export const localApiArn = (region: string) => `arn:aws:appsync:${region}:${LOCAL_ACCOUNT}:apis/${LOCAL_API_ID}`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties?: { [key: string]: Json };
  Metadata?: { [key: string]: Json };
}

export interface TableModel {
  logicalId: string;
  physicalName: string;
  keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  globalSecondaryIndexes: Json[];
  localSecondaryIndexes: Json[];
  ttlAttribute: string | null;
}

export interface LambdaModel {
  logicalId: string;
  functionName: string;
  codeDir: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, Json>;
  /** The logical id of its execution role (IAM auth to the API is checked against its policies). */
  roleLogicalId: string | null;
}

export interface SecretModel {
  logicalId: string;
  name: string;
  generate: { length: number; excludePunctuation: boolean; includeSpace: boolean } | null;
}

/** serviceRoleLogicalId: the role AppSync assumes to call it (null when the template names none of its own). */
export type DataSourceModel =
  | { name: string; type: 'AMAZON_DYNAMODB'; tableLogicalId: string; serviceRoleLogicalId: string | null }
  | { name: string; type: 'AWS_LAMBDA'; lambdaLogicalId: string; serviceRoleLogicalId: string | null }
  | { name: string; type: 'NONE' };

export interface FunctionConfigModel {
  logicalId: string;
  name: string;
  dataSourceName: string;
  codeFile: string;
}

export interface ResolverModel {
  typeName: string;
  fieldName: string;
  kind: 'UNIT' | 'PIPELINE';
  dataSourceName: string | null;
  /** null for a direct Lambda resolver. */
  codeFile: string | null;
  functions: string[];
}

export interface ApiModel {
  name: string;
  arn: string;
  schema: string;
  defaultAuth: string;
  additionalAuth: string[];
  lambdaAuthorizer: { lambdaLogicalId: string; ttlSeconds: number; validationRegex: string | null } | null;
  environment: Record<string, Json>;
  queryDepthLimit: number;
  resolverCountLimit: number;
  introspection: boolean;
}

export interface StackModel {
  stackName: string;
  templateFile: string;
  /** The Region the stack is bound to at synth (its functions' AWS_REGION); LOCAL_REGION when unbound. */
  region: string;
  /**
   * Application inference profiles the configuration declared, by ARN, with the model or system
   * profile each wraps (the ARN does not say; synth writes it into the model function's metadata).
   */
  applicationInferenceProfiles: Map<string, string>;
  api: ApiModel;
  dataSources: Map<string, DataSourceModel>;
  functions: Map<string, FunctionConfigModel>;
  resolvers: ResolverModel[];
  tables: Map<string, TableModel>;
  lambdas: Map<string, LambdaModel>;
  secrets: Map<string, SecretModel>;
  /** Fills in Refs and GetAtts with the local names of resources. */
  resolve(value: Json): Json;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

function one<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new TemplateError(`The template must define exactly one ${what}; it has ${items.length}.`);
  return items[0]!;
}

function str(value: Json | undefined, what: string): string {
  if (typeof value !== 'string') throw new TemplateError(`${what} must be a string. Received: ${JSON.stringify(value)}`);
  return value;
}

function getAttId(value: Json | undefined, what: string): string {
  if (value && typeof value === 'object' && !Array.isArray(value) && Array.isArray(value['Fn::GetAtt'])) {
    return str(value['Fn::GetAtt'][0], what);
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.Ref === 'string') return value.Ref;
  throw new TemplateError(`${what} must be a Ref or Fn::GetAtt. Received: ${JSON.stringify(value)}`);
}

/** `s3://bucket/<hash>.js` (maybe inside Fn::Sub) → the asset's local file. */
function assetFile(dir: string, assets: Record<string, { source: { path: string } }>, location: Json | undefined): string {
  const raw = typeof location === 'string' ? location : location && typeof location === 'object' && !Array.isArray(location) ? location['Fn::Sub'] : undefined;
  const key = typeof raw === 'string' ? raw.slice(raw.lastIndexOf('/') + 1) : '';
  const hash = key.replace(/\.(js|zip)$/, '');
  const asset = assets[hash];
  if (!asset) throw new TemplateError(`No asset in the assets manifest for ${JSON.stringify(location)}`);
  return join(dir, asset.source.path);
}

export interface LoadOptions {
  stackName?: string;
  /** What the API's GraphQLUrl attribute is locally (Lambda environments read it). */
  graphqlUrl?: string;
}

export function loadStack(cdkOut: string, options: LoadOptions = {}): StackModel {
  const { stackName } = options;
  const manifestPath = join(cdkOut, 'manifest.json');
  if (!existsSync(manifestPath)) throw new TemplateError(`No cloud assembly at ${cdkOut}: run npm run synth first.`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts: Record<string, { type: string; environment?: string; properties?: { templateFile?: string }; dependencies?: string[] }>;
  };
  const stacks = Object.entries(manifest.artifacts).filter(([name, a]) => a.type === 'aws:cloudformation:stack' && (!stackName || name === stackName));
  const [name, artifact] = one(stacks, 'stack (pass its name to choose)');
  const templateFile = join(cdkOut, artifact.properties!.templateFile!);
  // aws://<account>/<region>, "unknown-region" when the app did not bind one.
  const boundRegion = /^aws:\/\/[^/]*\/([a-z]{2}(-[a-z]+)+-\d)$/.exec(artifact.environment ?? '')?.[1];
  const region = boundRegion ?? LOCAL_REGION;
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as { Resources: Record<string, Resource> };
  const assetsFile = join(cdkOut, `${name}.assets.json`);
  const assets = (JSON.parse(readFileSync(assetsFile, 'utf8')) as { files: Record<string, { source: { path: string } }> }).files;
  const resources = Object.entries(template.Resources);
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);

  const tables = new Map<string, TableModel>();
  for (const [id, r] of ofType('AWS::DynamoDB::Table')) {
    const p = r.Properties ?? {};
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    tables.set(id, {
      logicalId: id,
      physicalName: typeof p.TableName === 'string' ? p.TableName : `${name}-${id}`,
      keySchema: p.KeySchema as unknown as TableModel['keySchema'],
      attributeDefinitions: p.AttributeDefinitions as unknown as TableModel['attributeDefinitions'],
      globalSecondaryIndexes: (p.GlobalSecondaryIndexes as Json[] | undefined) ?? [],
      localSecondaryIndexes: (p.LocalSecondaryIndexes as Json[] | undefined) ?? [],
      ttlAttribute: ttl?.Enabled ? (ttl.AttributeName ?? null) : null,
    });
  }

  const secrets = new Map<string, SecretModel>();
  for (const [id, r] of ofType('AWS::SecretsManager::Secret')) {
    const p = r.Properties ?? {};
    const gen = p.GenerateSecretString as { PasswordLength?: number; ExcludePunctuation?: boolean; IncludeSpace?: boolean } | undefined;
    secrets.set(id, {
      logicalId: id,
      name: typeof p.Name === 'string' ? p.Name : `${name}-${id}`,
      generate: gen ? { length: gen.PasswordLength ?? 32, excludePunctuation: gen.ExcludePunctuation ?? false, includeSpace: gen.IncludeSpace ?? false } : null,
    });
  }

  const lambdas = new Map<string, LambdaModel>();
  for (const [id, r] of ofType('AWS::Lambda::Function')) {
    const p = r.Properties ?? {};
    const code = p.Code as { S3Key?: Json; ZipFile?: string } | undefined;
    if (!code?.S3Key) continue; // inline CDK helper functions (log retention) are not ours to run
    const env = ((p.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {}) as Record<string, Json>;
    lambdas.set(id, {
      logicalId: id,
      functionName: typeof p.FunctionName === 'string' ? p.FunctionName : `${name}-${id}`,
      codeDir: assetFile(cdkOut, assets, code.S3Key),
      handler: str(p.Handler, `${id}.Handler`),
      runtime: str(p.Runtime, `${id}.Runtime`),
      timeoutSeconds: typeof p.Timeout === 'number' ? p.Timeout : 3,
      memoryMb: typeof p.MemorySize === 'number' ? p.MemorySize : 128,
      environment: env,
      roleLogicalId: p.Role ? getAttId(p.Role, `${id}.Role`) : null,
    });
  }

  const [apiLogicalId, apiResource] = one(ofType('AWS::AppSync::GraphQLApi'), 'AWS::AppSync::GraphQLApi');
  const graphqlUrl = options.graphqlUrl ?? 'http://localhost:4000/graphql';
  const apiAttributes: Record<string, string> = {
    Arn: localApiArn(region),
    ApiId: LOCAL_API_ID,
    GraphQLUrl: graphqlUrl,
    // Custom-domain style: AppSync's real-time URL for a non-AWS GraphQL URL ends in /realtime.
    RealtimeUrl: graphqlUrl.replace(/^http/, 'ws') + '/realtime',
  };
  const roles = new Set(ofType('AWS::IAM::Role').map(([id]) => id));
  const ap = apiResource.Properties ?? {};
  const lambdaConfig = ap.LambdaAuthorizerConfig as { AuthorizerUri?: Json; AuthorizerResultTtlInSeconds?: number; IdentityValidationExpression?: string } | undefined;
  const schemaResource = one(ofType('AWS::AppSync::GraphQLSchema'), 'AWS::AppSync::GraphQLSchema')[1];
  const api: ApiModel = {
    name: str(ap.Name, 'GraphQLApi.Name'),
    arn: localApiArn(region),
    schema: str(schemaResource.Properties?.Definition, 'GraphQLSchema.Definition (DefinitionS3Location is not supported)'),
    defaultAuth: str(ap.AuthenticationType, 'GraphQLApi.AuthenticationType'),
    additionalAuth: ((ap.AdditionalAuthenticationProviders as { AuthenticationType: string }[] | undefined) ?? []).map((a) => a.AuthenticationType),
    lambdaAuthorizer: lambdaConfig
      ? {
          lambdaLogicalId: getAttId(lambdaConfig.AuthorizerUri, 'LambdaAuthorizerConfig.AuthorizerUri'),
          ttlSeconds: lambdaConfig.AuthorizerResultTtlInSeconds ?? TEMPLATE_CHOICES.defaultAuthorizerTtlSeconds,
          validationRegex: lambdaConfig.IdentityValidationExpression ?? null,
        }
      : null,
    environment: (ap.EnvironmentVariables as Record<string, Json> | undefined) ?? {},
    queryDepthLimit: typeof ap.QueryDepthLimit === 'number' ? ap.QueryDepthLimit : 0,
    resolverCountLimit: typeof ap.ResolverCountLimit === 'number' && ap.ResolverCountLimit > 0 ? ap.ResolverCountLimit : 10000,
    introspection: ap.IntrospectionConfig !== 'DISABLED',
  };

  const dataSources = new Map<string, DataSourceModel>();
  for (const [id, r] of ofType('AWS::AppSync::DataSource')) {
    const p = r.Properties ?? {};
    const dsName = str(p.Name, `${id}.Name`);
    const type = str(p.Type, `${id}.Type`);
    const serviceRoleLogicalId = p.ServiceRoleArn === undefined || typeof p.ServiceRoleArn === 'string' ? null : getAttId(p.ServiceRoleArn, `${id}.ServiceRoleArn`);
    if (type === 'AMAZON_DYNAMODB') {
      const cfg = p.DynamoDBConfig as { TableName: Json };
      dataSources.set(dsName, { name: dsName, type, tableLogicalId: getAttId(cfg.TableName, `${id}.TableName`), serviceRoleLogicalId });
    } else if (type === 'AWS_LAMBDA') {
      const cfg = p.LambdaConfig as { LambdaFunctionArn: Json };
      dataSources.set(dsName, { name: dsName, type, lambdaLogicalId: getAttId(cfg.LambdaFunctionArn, `${id}.LambdaFunctionArn`), serviceRoleLogicalId });
    } else if (type === 'NONE') {
      dataSources.set(dsName, { name: dsName, type });
    } else {
      throw new TemplateError(`Data source ${dsName} has type ${type}, which the emulator does not support (AMAZON_DYNAMODB, AWS_LAMBDA, NONE).`);
    }
  }

  const codeOf = (id: string, p: { [key: string]: Json }): string | null => {
    if (p.RequestMappingTemplate || p.RequestMappingTemplateS3Location) {
      throw new TemplateError(`${id} uses VTL mapping templates; the emulator runs APPSYNC_JS only.`);
    }
    if (p.CodeS3Location) return assetFile(cdkOut, assets, p.CodeS3Location);
    if (typeof p.Code === 'string') return `inline:${id}`;
    return null;
  };

  const functions = new Map<string, FunctionConfigModel>();
  for (const [id, r] of ofType('AWS::AppSync::FunctionConfiguration')) {
    const p = r.Properties ?? {};
    const codeFile = codeOf(id, p);
    if (!codeFile) throw new TemplateError(`Function ${id} has no code.`);
    functions.set(id, { logicalId: id, name: str(p.Name, `${id}.Name`), dataSourceName: str(p.DataSourceName, `${id}.DataSourceName`), codeFile });
  }

  const resolvers: ResolverModel[] = [];
  for (const [id, r] of ofType('AWS::AppSync::Resolver')) {
    const p = r.Properties ?? {};
    const kind = (p.Kind ?? 'UNIT') as 'UNIT' | 'PIPELINE';
    const codeFile = codeOf(id, p);
    const fnRefs = ((p.PipelineConfig as { Functions?: Json[] } | undefined)?.Functions ?? []).map((f) => getAttId(f, `${id}.PipelineConfig`));
    resolvers.push({
      typeName: str(p.TypeName, `${id}.TypeName`),
      fieldName: str(p.FieldName, `${id}.FieldName`),
      kind,
      dataSourceName: typeof p.DataSourceName === 'string' ? p.DataSourceName : null,
      codeFile,
      functions: fnRefs,
    });
  }

  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    if (typeof value.Ref === 'string') {
      const ref = value.Ref;
      if (ref === 'AWS::Region') return region;
      if (ref === 'AWS::AccountId') return LOCAL_ACCOUNT;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      if (ref === 'AWS::StackName') return name;
      if (tables.has(ref)) return tables.get(ref)!.physicalName;
      if (secrets.has(ref)) return secretArn(secrets.get(ref)!.name);
      if (lambdas.has(ref)) return lambdas.get(ref)!.functionName;
      return `${name}-${ref}`;
    }
    if (Array.isArray(value['Fn::GetAtt'])) {
      const [target, attr] = value['Fn::GetAtt'] as [string, string];
      if (attr === 'Arn' && tables.has(target)) return tableArn(region, tables.get(target)!.physicalName);
      if (attr === 'Arn' && lambdas.has(target)) return functionArn(region, lambdas.get(target)!.functionName);
      if (target === apiLogicalId && apiAttributes[attr]) return apiAttributes[attr];
      if (attr === 'Arn' && roles.has(target)) return roleArn(name, target);
      return `${name}-${target}.${attr}`;
    }
    if (Array.isArray(value['Fn::Join'])) {
      const [sep, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map((p) => String(resolve(p))).join(sep);
    }
    if (typeof value['Fn::Sub'] === 'string') {
      return value['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_m, ref: string) => String(resolve(ref.includes('.') ? { 'Fn::GetAtt': ref.split('.') } : { Ref: ref })));
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  };

  const applicationInferenceProfiles = new Map<string, string>();
  for (const [, r] of resources) {
    const declared = r.Metadata?.[APPLICATION_PROFILES_METADATA];
    if (declared && typeof declared === 'object' && !Array.isArray(declared)) {
      for (const [arn, wraps] of Object.entries(declared)) if (typeof wraps === 'string') applicationInferenceProfiles.set(arn, wraps);
    }
  }

  return {
    stackName: name,
    templateFile,
    region,
    applicationInferenceProfiles,
    api,
    dataSources,
    functions,
    resolvers,
    tables,
    lambdas,
    secrets,
    resolve,
  };
}

/** The construct id CDK turned into a logical id by adding an 8-hex hash ("UsersTable9725E9C8" → "UsersTable"). */
export function constructId(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}

/** Physical table names by construct id, e.g. { UsersTable: "Tollgate-dev-UsersTable9725E9C8" }. */
export function tablesByConstructId(stack: StackModel): Record<string, string> {
  return Object.fromEntries([...stack.tables.values()].map((t) => [constructId(t.logicalId), t.physicalName]));
}

export function tableArn(region: string, tableName: string): string {
  return `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT}:table/${tableName}`;
}

export function functionArn(region: string, functionName: string): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${functionName}`;
}

/** The local ARN of a role: what an IAM caller's identity names (userArn) and policies refer to. */
export function roleArn(stackName: string, roleLogicalId: string): string {
  return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${stackName}-${roleLogicalId}`;
}

/** The deterministic local ARN of a secret, so Lambda env vars and the local store agree. */
export function secretArn(name: string): string {
  const suffix = Buffer.from(name).toString('hex').slice(-6).padStart(6, '0');
  return `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}-${suffix}`;
}

/** Inline code (Code: "<source>") is addressed as inline:<logicalId>. */
export function readCode(stack: StackModel, file: string): string {
  if (file.startsWith('inline:')) {
    const template = JSON.parse(readFileSync(stack.templateFile, 'utf8')) as { Resources: Record<string, Resource> };
    return str(template.Resources[file.slice('inline:'.length)]?.Properties?.Code, file);
  }
  return readFileSync(file, 'utf8');
}
