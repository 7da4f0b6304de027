// localstack/appsync-utils records what AWS's EvaluateCode answered for util, util.dynamodb,
// util.transform and the @aws-appsync/utils/dynamodb helpers; its 38 cases that do not use RDS run
// here through evaluateCode, in the very code AWS was given, each beside the answer AWS gave.
// Source: https://github.com/localstack/appsync-utils (commit 8f8ef7f), __tests__/helpers.js for
// the code around each case, __tests__/__snapshots__/index.test.js.snap and
// resolvers.test.js.snap for the answers, keyed by the names below.
import { describe, expect, it } from 'vitest';
import { evaluateCode } from 'tollgate/evaluate-code';

/** helpers.js runOnAWS: the module AWS evaluated around each index.test.js expression. */
const expressionModule = (expression: string): string => `
  import { util } from '@aws-appsync/utils';
  import * as ddb from '@aws-appsync/utils/dynamodb';
  import * as rds from '@aws-appsync/utils/rds';

  export function request(ctx) {
    return ${expression};
  }

  export function response(ctx) {
  }
  `;

/** helpers.js checkResolverValid: the lines AWS got before each resolvers.test.js module. */
const resolverModule = (code: string): string => `
        import { util } from '@aws-appsync/utils';
        import * as rds from '@aws-appsync/utils/rds';
        ` + code;

async function evaluate(code: string, context: Record<string, unknown>, fn: 'request' | 'response'): Promise<unknown> {
  const out = await evaluateCode({ code, context: JSON.stringify(context), function: fn });
  // helpers.js compares an error by its message only, without AWS's "code.js:L:C: " prefix.
  if (out.error) return { message: out.error.message.replace(/^code\.js:\d+:\d+: /, '') };
  return JSON.parse(out.evaluationResult ?? 'null') as unknown;
}

// [index.test.js.snap key without " 1", expression, AWS's answer]
const RECORDED: [string, string, unknown][] = [
  ["dynamodb helpers toDynamoDB string", `util.dynamodb.toDynamoDB("test")`, {"S": "test"}],
  ["dynamodb helpers toDynamoDB number", `util.dynamodb.toDynamoDB(12345)`, {"N": 12345}],
  ["dynamodb helpers toDynamoDB boolean", `util.dynamodb.toDynamoDB(true)`, {"BOOL": true}],
  ["dynamodb helpers toString", `util.dynamodb.toString("test")`, {"S": "test"}],
  ["dynamodb helpers toStringSet", `util.dynamodb.toStringSet(["foo", "bar", "baz"])`, {"SS": ["foo", "bar", "baz"]}],
  ["dynamodb helpers toNumber", `util.dynamodb.toNumber(12345)`, {"N": 12345}],
  ["dynamodb helpers toNumberSet", `util.dynamodb.toNumberSet([1, 23, 4.56])`, {"NS": [1, 23, 4.56]}],
  ["dynamodb helpers toBinary", `util.dynamodb.toBinary("foo")`, {"B": "foo"}],
  ["dynamodb helpers toBinarySet", `util.dynamodb.toBinarySet(["foo", "bar", "baz"])`, {"BS": ["foo", "bar", "baz"]}],
  ["dynamodb helpers toBoolean", `util.dynamodb.toBoolean(true)`, {"BOOL": true}],
  ["dynamodb helpers toNull", `util.dynamodb.toNull()`, {"NULL": null}],
  ["dynamodb helpers toList", `util.dynamodb.toList(["foo", 123, {bar: "baz" }])`, {"L": [{"S": "foo"}, {"N": 123}, {"M": {"bar": {"S": "baz"}}}]}],
  ["dynamodb helpers toMap", `util.dynamodb.toMap({ "foo": "bar", "baz": 1234, "beep": ["boop"] })`, {"M": {"baz": {"N": 1234}, "beep": {"L": [{"S": "boop"}]}, "foo": {"S": "bar"}}}],
  ["dynamodb helpers toMapValues", `util.dynamodb.toMapValues({ "foo": "bar", "baz": 1234, "beep": ["boop"] })`, {"baz": {"N": 1234}, "beep": {"L": [{"S": "boop"}]}, "foo": {"S": "bar"}}],
  ["dynamodb helpers s3 objects three parameter function", `util.dynamodb.toS3Object("foo", "bar", "baz")`, { S: '{"s3":{"key":"foo","bucket":"bar","region":"baz"}}' }],
  ["dynamodb helpers s3 objects four parameter function", `util.dynamodb.toS3Object("foo", "bar", "baz", "beep")`, { S: '{"s3":{"key":"foo","bucket":"bar","region":"baz","version":"beep"}}' }],
  ["DynamoDB module functions get", `ddb.get({ key: { id: "id" }})`, {"key": {"id": {"S": "id"}}, "operation": "GetItem"}],
  ["DynamoDB module functions put", `ddb.put({ key: { id: "abc" }, item: { value: 10 }})`, {"attributeValues": {"value": {"N": 10}}, "key": {"id": {"S": "abc"}}, "operation": "PutItem"}],
  ["DynamoDB module functions remove", `ddb.remove({ key: { id: "test" } })`, {"key": {"id": {"S": "test"}}, "operation": "DeleteItem"}],
  ["DynamoDB module functions scan", `ddb.scan({ limit: 10, nextToken: "abc"})`, {"limit": 10, "nextToken": "abc", "operation": "Scan"}],
  ["DynamoDB module functions update add", `ddb.update({ key: { id: "test" }, update: { age: ddb.operations.add(10), } })`, {"key": {"id": {"S": "test"}}, "operation": "UpdateItem", "update": {"expression": "SET #expName_1 = :expValue_1", "expressionNames": {"#expName_1": "age"}, "expressionValues": {":expValue_1": {"N": 10}}}}],
  ["DynamoDB module functions update append", `ddb.update({ key: { id: "test" }, update: { values: ddb.operations.append([1, 2, 3]), } })`, {"key": {"id": {"S": "test"}}, "operation": "UpdateItem", "update": {"expression": "SET #expName_1 = list_append(#expName_1, :expValue_1)", "expressionNames": {"#expName_1": "values"}, "expressionValues": {":expValue_1": {"L": [{"N": 1}, {"N": 2}, {"N": 3}]}}}}],
  ["DynamoDB module functions update decrement", `ddb.update({ key: { id: "test" }, update: { age: ddb.operations.decrement(10) } })`, {"key": {"id": {"S": "test"}}, "operation": "UpdateItem", "update": {"expression": "SET #expName_1 = #expName_1 - :expValue_1", "expressionNames": {"#expName_1": "age"}, "expressionValues": {":expValue_1": {"N": 10}}}}],
  ["DynamoDB module functions update increment", `ddb.update({ key: { id: "test" }, update: { age: ddb.operations.increment(10) } })`, {"key": {"id": {"S": "test"}}, "operation": "UpdateItem", "update": {"expression": "SET #expName_1 = #expName_1 + :expValue_1", "expressionNames": {"#expName_1": "age"}, "expressionValues": {":expValue_1": {"N": 10}}}}],
  ["DynamoDB module functions update prepend", `ddb.update({ key: { id: "test" }, update: { values: ddb.operations.prepend([1, 2, 3]) } })`, {"key": {"id": {"S": "test"}}, "operation": "UpdateItem", "update": {"expression": "SET #expName_1 = list_append(:expValue_1, #expName_1)", "expressionNames": {"#expName_1": "values"}, "expressionValues": {":expValue_1": {"L": [{"N": 1}, {"N": 2}, {"N": 3}]}}}}],
  ["DynamoDB module functions update replace", `ddb.update({ key: { id: "test" }, update: { values: ddb.operations.replace({ a: 10 }) }})`, {"key": {"id": {"S": "test"}}, "operation": "UpdateItem", "update": {"expression": "SET #expName_1 = :expValue_1", "expressionNames": {"#expName_1": "values"}, "expressionValues": {":expValue_1": {"M": {"a": {"N": 10}}}}}}],
  ["Transformations toDynamoDBFilterMap", `util.transform.toDynamoDBFilterExpression({ "title":{ "contains":"Hello World" } })`, '{"expression":"(contains(#title,:title_contains))","expressionNames":{"#title":"title"},"expressionValues":{":title_contains":{"S":"Hello World"}}}'],
  ["DynamoDB operations add", `ddb.operations.add(10)`, {"type": "OPERATION_ADD", "value": 10}],
  ["DynamoDB operations append", `ddb.operations.append([1, 2, 3])`, {"items": [1, 2, 3], "type": "OPERATION_APPEND"}],
  ["DynamoDB operations decrement", `ddb.operations.decrement(10)`, {"by": 10, "type": "OPERATION_DECREMENT"}],
  ["DynamoDB operations increment", `ddb.operations.increment(10)`, {"by": 10, "type": "OPERATION_INCREMENT"}],
  ["DynamoDB operations prepend", `ddb.operations.prepend([1, 2, 3])`, {"items": [1, 2, 3], "type": "OPERATION_PREPEND"}],
  ["DynamoDB operations replace", `ddb.operations.replace({ a: 10 })`, {"type": "OPERATION_REPLACE", "value": {"a": 10}}],
];

describe('localstack/appsync-utils recorded EvaluateCode answers', () => {
  it.each(RECORDED)('%s', async (_name, expression, expected) => {
    expect(await evaluate(expressionModule(expression), {}, 'request')).toStrictEqual(expected);
  });

  it('Transformations toDynamoDBConditionExpression (keys compared sorted, as the recorded test does)', async () => {
    const result = await evaluate(
      expressionModule(`util.transform.toDynamoDBConditionExpression({
      id: { attributeExists: true },
      version: { eq: 10 },
    })`),
      {},
      'request',
    );
    expect(JSON.parse(result as string)).toStrictEqual({
      expression: '(attribute_exists(#id)) AND (#version = :version_eq)',
      expressionNames: { '#id': 'id', '#version': 'version' },
      expressionValues: { ':version_eq': { N: 10 } },
    });
  });

  // resolvers.test.js: whole modules, indented as the test wrote them.
  const query = `
    export function request(ctx) {
        return {
            operation: "Query",
            index: "nameIndex",
            select : "ALL_ATTRIBUTES",
            query: {
                "expression" : "#name = :name",
                "expressionNames": {
                    "#name": "name",
                },
                "expressionValues" : {
                    ":name" : util.dynamodb.toDynamoDB(ctx.arguments.filter.line),
                }
            },
            filter: {
                "expression" : "#shift = :shift",
                "expressionNames": {
                    "#shift": "shift",
                },
                "expressionValues" : {
                    ":shift" : util.dynamodb.toDynamoDB(ctx.arguments.filter.shift),
                }
            },
        };
    }

    export function response(ctx) {
        return ctx.result.items;
    }
    `;

  it('dynamodb resolvers something 1 (request)', async () => {
    expect(await evaluate(resolverModule(query), { arguments: { filter: { line: 'test', shift: 10 } } }, 'request')).toStrictEqual({
      filter: { expression: '#shift = :shift', expressionNames: { '#shift': 'shift' }, expressionValues: { ':shift': { N: 10 } } },
      index: 'nameIndex',
      operation: 'Query',
      query: { expression: '#name = :name', expressionNames: { '#name': 'name' }, expressionValues: { ':name': { S: 'test' } } },
      select: 'ALL_ATTRIBUTES',
    });
  });

  it('dynamodb resolvers something 2 (response)', async () => {
    expect(await evaluate(resolverModule(query), { result: { items: [{ a: 10 }] } }, 'response')).toStrictEqual([{ a: 10 }]);
  });

  it('error handling error 1: util.error answers with its message', async () => {
    const code = `
      export function request(ctx) {
          util.error("foo")
        }
      export function response(ctx) {}
  `;
    expect(await evaluate(resolverModule(code), {}, 'request')).toStrictEqual({ message: 'foo' });
  });

  it('error handling unauthorized 1: util.unauthorized answers "Unauthorized" (a GraphQL response says "Not Authorized to access …")', async () => {
    const code = `
      export function request(ctx) {
          util.unauthorized()
        }
      export function response(ctx) {}
  `;
    expect(await evaluate(resolverModule(code), {}, 'request')).toStrictEqual({ message: 'Unauthorized' });
  });

  it('covers all 38 recorded cases', () => {
    // 34 from index.test.js.snap (its three `undefined` entries belong to skipped tests) + 4 from resolvers.test.js.snap.
    expect(RECORDED.length + 1 + 4).toBe(38);
  });
});
