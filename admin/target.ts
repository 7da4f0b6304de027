// Where the admin command acts: the local emulator's data (running or not), or a deployed stack.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lockDataFolder, processRunning } from '../emulator/lock.ts';
import { constructId } from '../emulator/template.ts';

export interface Tables {
  users: string;
  usage: string;
  prompts: string;
  rateLimits: string;
}

export interface Target {
  description: string;
  db: DynamoDBDocumentClient;
  tables: Tables;
  close(): Promise<void>;
}

export class AdminError extends Error {
  override readonly name = 'AdminError';
}

const LOGICAL = { users: 'UsersTable', usage: 'UsageTable', prompts: 'PromptsTable', rateLimits: 'RateLimitsTable' } as const;

function pick(found: Record<string, string>, where: string): Tables {
  const out = {} as Tables;
  for (const [key, id] of Object.entries(LOGICAL) as [keyof Tables, string][]) {
    const name = found[id];
    if (!name) throw new AdminError(`${where} has no ${id}. Is it a Tollgate stack, synthesized from this version?`);
    out[key] = name;
  }
  return out;
}

function documentClient(config: DynamoDBClientConfig): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } });
}

/** The local data: through the running emulator if there is one, else straight from the data folder. */
export async function localTarget(root: string, dataDir: string): Promise<Target> {
  const runtime = join(dataDir, 'emulator.json');
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  if (existsSync(runtime)) {
    const info = JSON.parse(readFileSync(runtime, 'utf8')) as { dynamodbUrl: string; tables: Record<string, string>; pid: number };
    if (processRunning(info.pid)) {
      const db = documentClient({ region: 'us-east-1', endpoint: info.dynamodbUrl, credentials });
      return { description: `the running emulator (${dataDir})`, db, tables: pick(info.tables, 'The running emulator'), close: async () => db.destroy() };
    }
  }
  const { dynamoDbBackend, startLocalDynamo } = await import('../emulator/local/dynamodb-backend.ts');
  const backend = dynamoDbBackend(process.env.TOLLGATE_DYNAMODB);
  if (!existsSync(join(dataDir, backend === 'dynalite' ? 'dynamodb' : 'dynamodb-local'))) {
    throw new AdminError(`No local data in ${dataDir}. Start the API once with npm start, or set TOLLGATE_DATA_DIR.`);
  }
  const { loadStack, tablesByConstructId } = await import('../emulator/template.ts');
  const stack = loadStack(process.env.TOLLGATE_CDK_OUT ?? join(root, 'cdk.out'));
  const release = lockDataFolder(dataDir, 'npm run admin');
  const local = await startLocalDynamo(backend, { dataDir, cacheDir: join(root, '.tollgate', 'cache') }).catch((error: unknown) => {
    release();
    throw error;
  });
  const tables = tablesByConstructId(stack);
  const db = documentClient({ region: 'us-east-1', endpoint: local.url, credentials });
  return {
    description: `the local data in ${dataDir}`,
    db,
    tables: pick(tables, 'The local template'),
    close: async () => {
      db.destroy();
      await local.close();
      release();
    },
  };
}

/** A deployed stack, found by name through CloudFormation with the usual AWS credentials. */
export async function deployedTarget(stage: string, region: string | undefined): Promise<Target> {
  const { CloudFormationClient, paginateListStackResources } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient(region ? { region } : {});
  const stackName = `Tollgate-${stage}`;
  const found: Record<string, string> = {};
  try {
    for await (const page of paginateListStackResources({ client: cfn }, { StackName: stackName })) {
      for (const r of page.StackResourceSummaries ?? []) {
        if (r.ResourceType === 'AWS::DynamoDB::Table' && r.LogicalResourceId && r.PhysicalResourceId) {
          found[constructId(r.LogicalResourceId)] = r.PhysicalResourceId;
        }
      }
    }
  } catch (error) {
    const e = error as Error;
    throw new AdminError(`Could not read stack ${stackName}${region ? ` in ${region}` : ''}: ${e.name}: ${e.message}`);
  } finally {
    cfn.destroy();
  }
  const db = documentClient(region ? { region } : {});
  return { description: `stack ${stackName}`, db, tables: pick(found, `Stack ${stackName}`), close: async () => db.destroy() };
}
