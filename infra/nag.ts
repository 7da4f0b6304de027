// The cdk-nag AwsSolutions findings this stack keeps on purpose, each with the reason, recorded on
// the construct it concerns (test/infra/nag.test.ts applies the pack at synth: any other finding
// fails). Acknowledgements are inert without the cdk-nag plugin, so a deploy is unaffected.
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

const BASIC_EXECUTION = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

export function acknowledgeNagFindings(stack: Stack, parts: { functions: IConstruct[]; api: IConstruct; secret: IConstruct; tracing: boolean; model: IConstruct; stream: IConstruct; reconciler: IConstruct }): void {
  const ack = (scope: IConstruct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });
  for (const fn of parts.functions) {
    ack(fn, BASIC_EXECUTION, 'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs; the log group is created by this stack with a retention.');
    if (parts.tracing) {
      ack(fn, 'AwsSolutions-IAM5[Resource::*]', 'Active tracing (TOLLGATE_TRACING) needs xray:PutTraceSegments and xray:PutTelemetryRecords, which X-Ray grants on * only.');
    }
  }
  // The API's log retention is set by CDK's LogRetention singleton function, a CDK-managed helper.
  const logRetention = stack.node.children.find((c) => c.node.id.startsWith('LogRetention'));
  if (logRetention) {
    ack(logRetention, BASIC_EXECUTION, 'CDK’s LogRetention helper (sets the AppSync log group’s retention) writes only its own logs.');
    ack(logRetention, 'AwsSolutions-IAM5[Resource::*]', 'CDK’s LogRetention helper must act on a log group AppSync names at deploy time (logs:PutRetentionPolicy/DeleteRetentionPolicy).');
  }
  ack(parts.api, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs]', 'The AWS managed policy AppSync documents for its own log delivery; it writes only to AppSync log groups.');
  ack(
    parts.api,
    'AwsSolutions-ASC3',
    'Verbose request logging would write GraphQL arguments and headers (prompts, passwords, tokens) to CloudWatch; field logs at INFO keep errors and the resolvers’ event lines without them.',
  );
  for (const name of ['AuthFunction', 'ModelFunction', 'StreamFunction']) {
    const source = parts.api.node.tryFindChild(name);
    if (source) {
      ack(source, `AwsSolutions-IAM5[Resource::<${Stack.of(source).getLogicalId(stack.node.findChild(name).node.defaultChild as never)}.Arn>:*]`, 'CDK’s grantInvoke also allows this one function’s versions and aliases (<arn>:*).');
    }
  }
  for (const fn of [parts.model, parts.stream]) {
    ack(
      fn,
      `AwsSolutions-IAM5[Resource::<${Stack.of(parts.reconciler).getLogicalId(parts.reconciler.node.defaultChild as never)}.Arn>:*]`,
      'The on-failure destination of asynchronous invocations: CDK’s grantInvoke also allows the reconciler’s versions and aliases (<arn>:*).',
    );
  }
  ack(
    parts.secret,
    'AwsSolutions-SMG4',
    'The signing key is rotated by putting a new value (README: Deploy, the secret), which tokens signed with the previous value survive; an automatic schedule would need a rotation function that also waits out the token lifetime.',
  );
}
