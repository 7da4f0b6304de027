// AppSync calls a DynamoDB or Lambda data source with the data source's service role (its
// ServiceRoleArn in the template): before each call, the role's template policies must allow
// every table the request touches (emulator/iam/needs.ts) or lambda:InvokeFunction on the
// function. A refusal reaches the resolver as ctx.error, as AppSync reports it
// (DATA_SOURCE_IAM_CHOICES), and nothing is called.
import { randomBytes, randomUUID } from 'node:crypto';
import { DATA_SOURCE_IAM_CHOICES } from '../appsync/choices.ts';
import type { DataSourceResult } from '../datasources/dynamodb.ts';
import { functionArn, tableArn, type DataSourceModel, type StackModel } from '../template.ts';
import { APPSYNC_SESSION, type LocalIam, type Need } from './index.ts';
import { dataSourceNeeds } from './needs.ts';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** DynamoDB's request ids: 52 upper-case letters and digits. */
const dynamoRequestId = () => Array.from(randomBytes(52), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');

export class DataSourceGuard {
  constructor(
    private readonly iam: LocalIam,
    private readonly stack: StackModel,
    private readonly log: (line: string) => void,
  ) {}

  private refusal(ds: DataSourceModel, needs: Need[]): string | null {
    const role = 'serviceRoleLogicalId' in ds ? ds.serviceRoleLogicalId : null;
    const denial = this.iam.authorize(role ? [this.iam.principal(role, APPSYNC_SESSION)] : [], needs);
    if (!denial) return null;
    this.log(`[iam] data source ${ds.name} refused: ${denial.message}`);
    return denial.message;
  }

  /** null when the role may make this DynamoDB request on `table`; else what the resolver sees. */
  dynamoDb(ds: DataSourceModel, table: string, request: unknown): DataSourceResult | null {
    const r = request && typeof request === 'object' && !Array.isArray(request) ? (request as Record<string, unknown>) : {};
    const arnOf = (name: string) => (name.startsWith('arn:') ? name : tableArn(this.stack.region, name));
    const message = this.refusal(ds, dataSourceNeeds(table, r, arnOf));
    if (message === null) return null;
    return { result: null, error: { type: DATA_SOURCE_IAM_CHOICES.dynamoDbErrorType, message: message + DATA_SOURCE_IAM_CHOICES.dynamoDbSuffix(dynamoRequestId()) } };
  }

  /** null when the role may invoke the function; else what the resolver sees. */
  lambda(ds: DataSourceModel, functionName: string): DataSourceResult | null {
    const message = this.refusal(ds, [{ action: 'lambda:InvokeFunction', resource: functionArn(this.stack.region, functionName) }]);
    if (message === null) return null;
    return { result: null, error: { type: DATA_SOURCE_IAM_CHOICES.lambdaErrorType, message: message + DATA_SOURCE_IAM_CHOICES.lambdaSuffix(randomUUID()) } };
  }
}
