// What IAM checks for one DynamoDB or Secrets Manager request: the actions, on which resources.
// Both the AppSync data source's request objects and the services' own wire requests come here,
// so a grant is judged the same whichever way a table is reached.
//
// DynamoDB: each operation is authorized as dynamodb:<Operation> on the table's ARN, a Query or
// Scan of an index on <table>/index/<index>
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/using-identity-based-policies.html);
// BatchGetItem and BatchWriteItem on every table they name; a transaction's parts as the item
// operations they are — Put, Update, Delete and Get as PutItem, UpdateItem, DeleteItem and GetItem,
// ConditionCheck as dynamodb:ConditionCheckItem — with dynamodb:EnclosingOperation in the context
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html). Checked 2026-11-30.
import type { Need } from './index.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A table's name, or its ARN (DynamoDB accepts either as TableName), as the ARN IAM checks. */
export type TableArn = (tableNameOrArn: string) => string;

const onTable = (arnOf: TableArn, action: string, table: unknown, index?: unknown, context?: Need['context']): Need[] =>
  typeof table === 'string' ? [{ action: `dynamodb:${action}`, resource: typeof index === 'string' && index !== '' ? `${arnOf(table)}/index/${index}` : arnOf(table), ...(context ? { context } : {}) }] : [];

const enclosing = (operation: string) => ({ 'dynamodb:enclosingoperation': operation });

/** An AppSync DynamoDB data source's request object (APPSYNC_JS), against its table. */
export function dataSourceNeeds(table: string, request: Json, arnOf: TableArn): Need[] {
  const operation = String(request.operation);
  switch (operation) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return onTable(arnOf, operation, table);
    case 'Query':
    case 'Scan':
      return onTable(arnOf, operation, table, request.index);
    case 'BatchGetItem':
      return Object.keys(isObject(request.tables) ? request.tables : {}).flatMap((t) => onTable(arnOf, 'BatchGetItem', t));
    case 'BatchPutItem':
    case 'BatchDeleteItem':
      // AppSync sends both as DynamoDB's BatchWriteItem.
      return Object.keys(isObject(request.tables) ? request.tables : {}).flatMap((t) => onTable(arnOf, 'BatchWriteItem', t));
    case 'TransactGetItems':
      return (Array.isArray(request.transactItems) ? request.transactItems : []).flatMap((i: unknown) => (isObject(i) ? onTable(arnOf, 'GetItem', i.table, undefined, enclosing(operation)) : []));
    case 'TransactWriteItems':
      return (Array.isArray(request.transactItems) ? request.transactItems : []).flatMap((i: unknown) => {
        if (!isObject(i)) return [];
        const action = i.operation === 'ConditionCheck' ? 'ConditionCheckItem' : String(i.operation);
        return onTable(arnOf, action, i.table, undefined, enclosing(operation));
      });
    default:
      // Not an operation AppSync has: the data source refuses it without calling DynamoDB.
      return [];
  }
}

const TRANSACT_WRITE_PARTS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };

/** A DynamoDB API request (X-Amz-Target DynamoDB_20120810.<operation>, JSON 1.0 body). */
export function dynamoDbApiNeeds(operation: string, body: Json, arnOf: TableArn): Need[] {
  switch (operation) {
    case 'Query':
    case 'Scan':
      return onTable(arnOf, operation, body.TableName, body.IndexName);
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(isObject(body.RequestItems) ? body.RequestItems : {}).flatMap((t) => onTable(arnOf, operation, t));
    case 'TransactGetItems':
      return (Array.isArray(body.TransactItems) ? body.TransactItems : []).flatMap((i: unknown) => (isObject(i) && isObject(i.Get) ? onTable(arnOf, 'GetItem', i.Get.TableName, undefined, enclosing(operation)) : []));
    case 'TransactWriteItems':
      return (Array.isArray(body.TransactItems) ? body.TransactItems : []).flatMap((i: unknown) => {
        if (!isObject(i)) return [];
        const [part, detail] = Object.entries(i)[0] ?? [];
        const action = part ? TRANSACT_WRITE_PARTS[part] : undefined;
        return action && isObject(detail) ? onTable(arnOf, action, detail.TableName, undefined, enclosing(operation)) : [];
      });
    default:
      // Item and table operations name one table; the rest (ListTables, DescribeLimits…) none.
      return typeof body.TableName === 'string' ? onTable(arnOf, operation, body.TableName) : [{ action: `dynamodb:${operation}`, resource: '*' }];
  }
}

/**
 * A Secrets Manager API request (X-Amz-Target secretsmanager.<operation>, JSON 1.1 body): the
 * secret's ARN, found by name, full ARN or partial ARN; ListSecrets and the like on "*".
 */
export function secretsManagerNeeds(operation: string, body: Json, secretArn: (secretId: string) => string): Need[] {
  const id = typeof body.SecretId === 'string' ? body.SecretId : typeof body.Name === 'string' && operation === 'CreateSecret' ? body.Name : undefined;
  return [{ action: `secretsmanager:${operation}`, resource: id === undefined ? '*' : secretArn(id) }];
}

/**
 * A SecretId as the ARN IAM checks: the known secret it names (by name, full ARN, or partial ARN
 * without the random suffix), else the ARN such a name would have.
 */
export function secretArnResolver(known: readonly string[], region: string, account: string): (secretId: string) => string {
  const nameOf = (arn: string) => /:secret:(.+)-[A-Za-z0-9]{6}$/.exec(arn)?.[1];
  return (secretId) => {
    const hit = known.find((arn) => arn === secretId || nameOf(arn) === secretId || arn.replace(/-[A-Za-z0-9]{6}$/, '') === secretId);
    if (hit) return hit;
    return secretId.startsWith('arn:') ? secretId : `arn:aws:secretsmanager:${region}:${account}:secret:${secretId}`;
  };
}
