// IAM enforcement as the emulator starts it: the data-source guard and, unless hybrid mode lets
// functions sign with the developer's own AWS credentials, the gateways the functions are
// pointed at instead of the local services. Off (TOLLGATE_IAM=off): neither, and the functions
// talk to the services directly.
import { LOCAL_ACCOUNT, tableArn, type StackModel } from '../template.ts';
import { DataSourceGuard } from './datasources.ts';
import { startGateways } from './gateway.ts';
import { describeIam, type LocalIam } from './index.ts';
import { secretArnResolver } from './needs.ts';

export interface FunctionEndpoints {
  dynamodb: string;
  secretsManager: string;
  bedrockRuntime: string | null;
}

export interface IamEnforcement {
  guard: DataSourceGuard | null;
  /** What the functions get as AWS_ENDPOINT_URL_*: the gateways, or the services themselves. */
  functionEndpoints: FunctionEndpoints;
  close(): Promise<void>;
}

export async function enforceIam(options: {
  stack: StackModel;
  iam: LocalIam;
  enabled: boolean;
  hybrid: boolean;
  /** The local services. */
  services: FunctionEndpoints;
  /** The ARNs of the template's secrets, as stored. */
  secretArns: string[];
  log(line: string): void;
}): Promise<IamEnforcement> {
  const { stack, iam, enabled, hybrid, services, log } = options;
  for (const line of describeIam(enabled, hybrid)) log(line);
  const gateways =
    enabled && !hybrid
      ? await startGateways({
          iam,
          region: stack.region,
          tableArn: (name) => (name.startsWith('arn:') ? name : tableArn(stack.region, name)),
          secretArn: secretArnResolver(options.secretArns, stack.region, LOCAL_ACCOUNT),
          bedrock: { account: LOCAL_ACCOUNT, applicationProfiles: stack.applicationInferenceProfiles },
          upstream: services,
          host: '127.0.0.1',
          log,
        })
      : null;
  return {
    guard: enabled ? new DataSourceGuard(iam, stack, log) : null,
    functionEndpoints: gateways
      ? { dynamodb: gateways.dynamodbUrl, secretsManager: gateways.secretsManagerUrl, bedrockRuntime: gateways.bedrockRuntimeUrl }
      : services,
    close: async () => gateways?.close(),
  };
}
