// Local IAM for the API's AWS_IAM mode. Lambda gives each function temporary credentials of its
// execution role; the emulator does the same (fresh ones per start), then authenticates a
// SigV4-signed request against the secret it handed out and authorizes each root field against
// the role's template policies (appsync:GraphQL on arn:…:apis/<id>/types/<Type>/fields/<field>,
// https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html, checked 2026-11-30).
import { createHash, randomBytes } from 'node:crypto';
import type { AuthFailure, Caller } from '../appsync/auth.ts';
import { LOCAL_ACCOUNT, LOCAL_API_ARN, LOCAL_REGION, roleArn, type LambdaModel, type StackModel } from '../template.ts';
import { TemplatePolicies } from './policy.ts';
import { verifySigV4, type SignedRequest, type SigningSecret } from './sigv4.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface Principal {
  roleLogicalId: string;
  roleArn: string;
  roleName: string;
  sessionName: string;
}

interface LocalCredential extends SigningSecret {
  principals: Principal[];
}

/** AppSync's ctx.identity for AWS_IAM (AppSyncIdentityIAM). */
export interface IamIdentity {
  accountId: string;
  cognitoIdentityPoolId: null;
  cognitoIdentityId: null;
  cognitoIdentityAuthType: null;
  cognitoIdentityAuthProvider: null;
  sourceIp: string[];
  userArn: string;
  username: string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const randomKeyPart = (n: number) => Array.from(randomBytes(n), (b) => ALPHANUMERIC[b % 32]).join('');

export class LocalIam {
  private readonly credentials = new Map<string, LocalCredential>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly stack: StackModel,
    private readonly policies: TemplatePolicies,
    private readonly warn: (message: string) => void,
  ) {}

  static load(stack: StackModel, warn: (message: string) => void): LocalIam {
    return new LocalIam(stack, TemplatePolicies.load(stack), warn);
  }

  private principalOf(fn: LambdaModel): Principal[] {
    if (!fn.roleLogicalId) return [];
    const roleName = `${this.stack.stackName}-${fn.roleLogicalId}`;
    return [{ roleLogicalId: fn.roleLogicalId, roleArn: roleArn(this.stack.stackName, fn.roleLogicalId), roleName, sessionName: fn.functionName }];
  }

  /** Fresh temporary credentials of the function's role, as Lambda puts them in its environment. */
  credentialsFor(fn: LambdaModel): Required<AwsCredentials> {
    const issued = { accessKeyId: `ASIA${randomKeyPart(16)}`, secretAccessKey: randomBytes(30).toString('base64'), sessionToken: randomBytes(96).toString('base64') };
    this.credentials.set(issued.accessKeyId, { secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken, principals: this.principalOf(fn) });
    return issued;
  }

  /**
   * Hybrid mode: the developer's own credentials reach every function (Bedrock needs them), so a
   * request signed with them may act as the role of any function that holds them.
   */
  share(credentials: AwsCredentials, fn: LambdaModel): void {
    const known = this.credentials.get(credentials.accessKeyId);
    const principals = [...(known?.principals ?? []), ...this.principalOf(fn)];
    this.credentials.set(credentials.accessKeyId, { secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken ?? null, principals });
  }

  /** A SigV4-signed request: who signed it, and the fields its role may call; or AWS's refusal. */
  authenticate(request: SignedRequest): Caller | AuthFailure {
    const verified = verifySigV4(request, (key) => this.credentials.get(key), { region: LOCAL_REGION, service: 'appsync', now: Date.now() });
    if (!verified.ok) {
      this.warn(`An IAM-signed request was refused (${verified.errorType}).`);
      return { status: verified.status, body: { errors: [{ errorType: verified.errorType, message: verified.message }] } };
    }
    const { principals } = verified.credential;
    const first = principals[0];
    const identity: IamIdentity = {
      accountId: LOCAL_ACCOUNT,
      cognitoIdentityPoolId: null,
      cognitoIdentityId: null,
      cognitoIdentityAuthType: null,
      cognitoIdentityAuthProvider: null,
      sourceIp: [],
      userArn: first ? `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${first.roleName}/${first.sessionName}` : `arn:aws:iam::${LOCAL_ACCOUNT}:user/local`,
      username: first ? `AROA${createHash('sha256').update(first.roleArn).digest('hex').slice(0, 17).toUpperCase()}:${first.sessionName}` : verified.accessKeyId,
    };
    const warnOnce = (message: string) => {
      if (this.warned.has(message)) return;
      this.warned.add(message);
      this.warn(message);
    };
    return {
      mode: 'AWS_IAM',
      identity,
      deniedFields: new Set(),
      authorizerMs: 0,
      authorizerCached: false,
      allowsRootField: (typeName, fieldName) =>
        principals.some((p) => this.policies.allows(p.roleLogicalId, 'appsync:GraphQL', `${LOCAL_API_ARN}/types/${typeName}/fields/${fieldName}`, warnOnce)),
    };
  }
}
