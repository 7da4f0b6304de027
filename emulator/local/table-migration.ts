// A data folder from an older template meets a table that has gained a global index since (the
// Prompts table's ByConversation, for conversations). A deploy adds it online; dynalite cannot
// (its UpdateTable only changes throughput), so the local table is rebuilt: every item read,
// the table created again with the template's indexes, the items written back. Local tables are
// small; what is in them survives.
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  ResourceNotFoundException,
  ScanCommand,
  UpdateTableCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { TableModel } from '../template.ts';

type CreateInput = ConstructorParameters<typeof CreateTableCommand>[0];

/** The template's global indexes the existing table lacks, by name. */
export async function missingIndexes(client: DynamoDBClient, table: TableModel): Promise<string[]> {
  const described = await client.send(new DescribeTableCommand({ TableName: table.physicalName }));
  const have = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  return (table.globalSecondaryIndexes as { IndexName: string }[]).map((index) => index.IndexName).filter((name) => !have.has(name));
}

export function createInput(table: TableModel): CreateInput {
  return {
    TableName: table.physicalName,
    KeySchema: table.keySchema,
    AttributeDefinitions: table.attributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: table.globalSecondaryIndexes.length ? (table.globalSecondaryIndexes as unknown as CreateInput['GlobalSecondaryIndexes']) : undefined,
    LocalSecondaryIndexes: table.localSecondaryIndexes.length ? (table.localSecondaryIndexes as unknown as CreateInput['LocalSecondaryIndexes']) : undefined,
  };
}

/** Adds the missing global indexes (online where the backend can, else by rebuilding); says what it did. */
export async function addMissingIndexes(client: DynamoDBClient, table: TableModel, log: (line: string) => void): Promise<void> {
  const missing = await missingIndexes(client, table);
  if (missing.length === 0) return;
  const wanted = createInput(table).GlobalSecondaryIndexes ?? [];
  for (const index of wanted.filter((i) => missing.includes(i.IndexName!))) {
    // DynamoDB Local creates an index online, as AWS does; dynalite answers without doing so.
    await client
      .send(new UpdateTableCommand({ TableName: table.physicalName, AttributeDefinitions: table.attributeDefinitions, GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }] }))
      .catch(() => undefined);
  }
  const still = await missingIndexes(client, table);
  if (still.length === 0) return;
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table.physicalName, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  await client.send(new DeleteTableCommand({ TableName: table.physicalName }));
  for (;;) {
    try {
      await client.send(new DescribeTableCommand({ TableName: table.physicalName }));
      await new Promise((resolve) => setTimeout(resolve, 50));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) break;
      throw error;
    }
  }
  await client.send(new CreateTableCommand(createInput(table)));
  for (const item of items) await client.send(new PutItemCommand({ TableName: table.physicalName, Item: item }));
  log(`  Rebuilt the local ${table.logicalId} with its new index ${still.join(', ')} (${items.length} items kept).`);
}
