// Local IAM. Lambda gives each function temporary credentials of its execution role; the emulator
// does the same (fresh ones per start), authenticates a SigV4-signed request against the secret it
// handed out, and authorizes it against the role's template policies — for AWS_IAM callers of the
// API (appsync:GraphQL on arn:…:apis/<id>/types/<Type>/fields/<field>,
// https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html, checked 2026-11-30), for
// functions' calls to the local AWS services (gateway.ts) and for AppSync's own calls to its data
// sources with their service roles (datasources.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { AuthFailure, Caller } from '../appsync/auth.ts';
import { LOCAL_ACCOUNT, roleArn, type LambdaModel, type StackModel } from '../template.ts';
import { TemplatePolicies, type Decision, type RequestContext } from './policy.ts';
import { verifySigV4, type SignedRequest, type SigningSecret, type Verification } from './sigv4.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A role as it acts: the session name is the function's name, or AppSync's for data sources. */
export interface Principal {
  roleLogicalId: string;
  roleArn: string;
  roleName: string;
  sessionName: string;
}

interface LocalCredential extends SigningSecret {
  principals: Principal[];
}

/** What one call needs: an action on a resource, in a request context. */
export interface Need {
  action: string;
  resource: string;
  context?: RequestContext;
}

export interface Denial {
  need: Need;
  decision: Exclude<Decision, 'allow'>;
  /** AWS's wording: "User: arn:aws:sts::…:assumed-role/… is not authorized to perform: …". */
  message: string;
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

/**
 * The session name AppSync gives a data source's role: AccessDenied messages from AppSync data
 * sources name `assumed-role/<role>/APPSYNC_ASSUME_ROLE`
 * (https://github.com/aws-amplify/amplify-cli/issues/12780, 2023; checked 2026-11-30).
 */
export const APPSYNC_SESSION = 'APPSYNC_ASSUME_ROLE';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const randomKeyPart = (n: number) => Array.from(randomBytes(n), (b) => ALPHANUMERIC[b % 32]).join('');

export const assumedRoleArn = (p: Principal) => `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${p.roleName}/${p.sessionName}`;

/**
 * IAM's AccessDenied wording for an identity-based refusal, as services put it in their errors
 * (e.g. https://github.com/aws-amplify/amplify-category-api/pull/3530 for Bedrock, and
 * https://github.com/posit-dev/positron/issues/10683 for an explicit deny; checked 2026-11-30).
 */
export function accessDeniedMessage(principal: Principal, need: Need, decision: Denial['decision']): string {
  const why = decision === 'explicitDeny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${need.action} action`;
  return `User: ${assumedRoleArn(principal)} is not authorized to perform: ${need.action} on resource: ${need.resource} ${why}`;
}

export class LocalIam {
  private readonly credentials = new Map<string, LocalCredential>();

  constructor(
    private readonly stack: StackModel,
    readonly policies: TemplatePolicies,
    private readonly warn: (message: string) => void,
  ) {
    // Everything the emulator cannot judge, once, at start.
    for (const note of policies.notes) warn(note);
  }

  static load(stack: StackModel, warn: (message: string) => void): LocalIam {
    return new LocalIam(stack, TemplatePolicies.load(stack), warn);
  }

  /** A role of the template acting under a session name. */
  principal(roleLogicalId: string, sessionName: string): Principal {
    return { roleLogicalId, roleArn: roleArn(this.stack.stackName, roleLogicalId), roleName: `${this.stack.stackName}-${roleLogicalId}`, sessionName };
  }

  private principalOf(fn: LambdaModel): Principal[] {
    return fn.roleLogicalId ? [this.principal(fn.roleLogicalId, fn.functionName)] : [];
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

  /** A request to a local endpoint of `service`: signed with credentials this emulator issued, or why not. */
  verify(request: SignedRequest, service: string, region: string | null): Verification<LocalCredential> {
    return verifySigV4(request, (key) => this.credentials.get(key), { region, service, now: Date.now() });
  }

  /** null when every need is allowed; otherwise the first refusal, worded as AWS words it. */
  authorize(principals: readonly Principal[], needs: readonly Need[]): Denial | null {
    if (principals.length === 0 && needs.length > 0) {
      const need = needs[0]!;
      return { need, decision: 'implicitDeny', message: `No role signed this request: it may not perform ${need.action} on resource: ${need.resource}.` };
    }
    for (const need of needs) {
      // Shared credentials (hybrid mode) act as any of their roles: allowed if one of them may.
      let refusal: Denial | null = null;
      for (const p of principals) {
        const decision = this.policies.decide(p.roleLogicalId, need.action, need.resource, need.context);
        if (decision === 'allow') {
          refusal = null;
          break;
        }
        refusal ??= { need, decision, message: accessDeniedMessage(p, need, decision) };
      }
      if (refusal) return refusal;
    }
    return null;
  }

  /** A SigV4-signed request to the API: who signed it, and the fields its role may call; or AWS's refusal. */
  authenticate(request: SignedRequest): Caller | AuthFailure {
    const verified = this.verify(request, 'appsync', this.stack.region);
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
      userArn: first ? assumedRoleArn(first) : `arn:aws:iam::${LOCAL_ACCOUNT}:user/local`,
      username: first ? `AROA${createHash('sha256').update(first.roleArn).digest('hex').slice(0, 17).toUpperCase()}:${first.sessionName}` : verified.accessKeyId,
    };
    return {
      mode: 'AWS_IAM',
      identity,
      deniedFields: new Set(),
      authorizerMs: 0,
      authorizerCached: false,
      allowsRootField: (typeName, fieldName) =>
        this.authorize(principals, [{ action: 'appsync:GraphQL', resource: `${this.stack.api.arn}/types/${typeName}/fields/${fieldName}` }]) === null,
    };
  }
}

/** What the start log says about IAM. */
export function describeIam(enforced: boolean, hybrid: boolean): string[] {
  if (!enforced) return ['[iam] the template\'s IAM policies are not enforced (TOLLGATE_IAM=off); only AWS_IAM callers of the API are checked.'];
  return [
    '[iam] enforcing the template\'s IAM policies: data sources\' service roles, ' +
      (hybrid ? 'and AWS_IAM callers of the API (functions sign with your own AWS credentials in hybrid mode, so their calls to the local services are not checked).' : 'functions\' calls to DynamoDB, Secrets Manager and Bedrock, and AWS_IAM callers of the API.'),
  ];
}
