// The WAF rules in front of the API, written as plain WAFv2 statements (rate-based with a
// scope-down, JSON-body byte matches, size constraints, managed groups) so they can be read and
// evaluated offline. The edge never refuses a request the API would accept on its content: a
// body-size rule exists only where WAF can see a whole valid request, and synth refuses a size
// that could block a valid prompt.
import type { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { ConfigError, type TollgateConfig } from './config.ts';

/**
 * AWS WAF sees at most the first 8 KB of an AppSync request body: "For Application Load Balancer
 * and AppSync, the limit is fixed at 8 KB (8,192 bytes)" (FieldToMatch JsonBody,
 * https://docs.aws.amazon.com/waf/latest/APIReference/API_FieldToMatch.html, as mirrored in AWS's
 * SDK reference https://sdk.amazonaws.com/kotlin/api/latest/wafv2/aws.sdk.kotlin.services.wafv2.model/-field-to-match/json-body.html;
 * checked 2026-11-30).
 */
export const WAF_APPSYNC_BODY_LIMIT = 8192;

/**
 * A prompt in a JSON body costs at most 12 bytes per code point: a client that escapes non-ASCII
 * (Python's json.dumps does by default) writes an astral character as a surrogate pair,
 * `\ud83d\ude00`. Plain UTF-8 needs at most 4. The prompt is assumed to travel in `variables`, as
 * in every client this repository ships.
 */
const JSON_BYTES_PER_CODE_POINT = 12;
/** The idempotency key's longest form (its limit in resolvers/lib/validate-prompt.ts). */
const MAX_IDEMPOTENCY_KEY_CHARS = 128;
/** The operation text, the operation name, the model id and options, and the JSON around them. */
const REQUEST_ALLOWANCE_BYTES = 1536;

/** The largest body of a valid sendPrompt request, as a client that escapes everything sends it. */
export function largestValidPromptBody(config: Pick<TollgateConfig, 'maxPromptChars'>): number {
  return REQUEST_ALLOWANCE_BYTES + JSON_BYTES_PER_CODE_POINT * (config.maxPromptChars + MAX_IDEMPOTENCY_KEY_CHARS);
}

/**
 * The body-size limit to enforce at the edge, or null for none. Set by the operator, it must let
 * the largest valid request through; derived, it exists only when that request fits within what
 * WAF inspects (otherwise AppSync's own request limit and the API's validation are the bound).
 */
export function bodySizeLimit(config: Pick<TollgateConfig, 'maxPromptChars' | 'wafMaxBodyBytes'>): number | null {
  const needed = largestValidPromptBody(config);
  if (config.wafMaxBodyBytes === 0) return needed <= WAF_APPSYNC_BODY_LIMIT ? needed : null;
  if (config.wafMaxBodyBytes < needed) {
    throw new ConfigError(
      `TOLLGATE_WAF_MAX_BODY_BYTES (${config.wafMaxBodyBytes}) would block valid prompts: a request with a ${config.maxPromptChars}-character prompt ` +
        `can take ${needed} bytes (${JSON_BYTES_PER_CODE_POINT} bytes per character, JSON-escaped)` +
        (needed > WAF_APPSYNC_BODY_LIMIT
          ? `, more than the ${WAF_APPSYNC_BODY_LIMIT} bytes AWS WAF inspects of an AppSync body. Leave it unset (no body-size rule) or lower TOLLGATE_MAX_PROMPT_CHARS.`
          : `. Set at least ${needed}, or leave it unset.`),
    );
  }
  return config.wafMaxBodyBytes;
}

const visibility = (name: string): CfnWebACL.VisibilityConfigProperty => ({ cloudWatchMetricsEnabled: true, metricName: `Tollgate${name}`, sampledRequestsEnabled: true });

/**
 * Does the request name the register or login field? Read from the parsed JSON body's `query`
 * (a `\u006cogin` escape decodes to `login` there) and from a GET's query string. WAF stops parsing
 * at duplicate keys and the like (https://docs.aws.amazon.com/waf/latest/APIReference/API_JsonBody.html,
 * checked 2026-11-30): a body it cannot fully parse counts as matching, so such tricks only make a
 * request count against the stricter limit. JS_DECODE also undoes escapes WAF's parser might keep.
 */
function namesAuthField(word: string): CfnWebACL.StatementProperty {
  return {
    orStatement: {
      statements: [
        {
          byteMatchStatement: {
            fieldToMatch: { jsonBody: { matchPattern: { includedPaths: ['/query'] }, matchScope: 'VALUE', invalidFallbackBehavior: 'MATCH', oversizeHandling: 'CONTINUE' } },
            positionalConstraint: 'CONTAINS',
            searchString: word,
            textTransformations: [
              { priority: 0, type: 'JS_DECODE' },
              { priority: 1, type: 'LOWERCASE' },
            ],
          },
        },
        {
          byteMatchStatement: {
            fieldToMatch: { queryString: {} },
            positionalConstraint: 'CONTAINS',
            searchString: word,
            textTransformations: [
              { priority: 0, type: 'URL_DECODE' },
              { priority: 1, type: 'JS_DECODE' },
              { priority: 2, type: 'LOWERCASE' },
            ],
          },
        },
      ],
    },
  };
}

function managed(priority: number, name: string, countOnly: string[] = []): CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ruleActionOverrides: countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })),
      },
    },
    visibilityConfig: visibility(name),
  };
}

/**
 * Per-IP rate limits (stricter for register and login), a body-size cap where WAF can apply one
 * safely, and AWS managed rules. Managed rules that judge a request's content are set to count
 * only: prompts may legitimately contain markup, paths or SQL (they are stored as text, never
 * interpreted), and a client without a User-Agent is still a valid client of the API.
 */
export function webAclRules(config: TollgateConfig): CfnWebACL.RuleProperty[] {
  const rules: CfnWebACL.RuleProperty[] = [
    {
      name: 'AuthRatePerIp',
      priority: 0,
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit: config.wafAuthRateLimit,
          aggregateKeyType: 'IP',
          scopeDownStatement: { orStatement: { statements: ['login', 'register'].map(namesAuthField) } },
        },
      },
      visibilityConfig: visibility('AuthRatePerIp'),
    },
    {
      name: 'RatePerIp',
      priority: 1,
      action: { block: {} },
      statement: { rateBasedStatement: { limit: config.wafRateLimit, aggregateKeyType: 'IP' } },
      visibilityConfig: visibility('RatePerIp'),
    },
  ];
  const bodyLimit = bodySizeLimit(config);
  if (bodyLimit !== null) {
    rules.push({
      name: 'BodySize',
      priority: 2,
      action: { block: {} },
      statement: {
        sizeConstraintStatement: {
          fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
          comparisonOperator: 'GT',
          size: bodyLimit,
          textTransformations: [{ priority: 0, type: 'NONE' }],
        },
      },
      visibilityConfig: visibility('BodySize'),
    });
  }
  rules.push(
    managed(3, 'AWSManagedRulesAmazonIpReputationList'),
    managed(4, 'AWSManagedRulesKnownBadInputsRuleSet', ['Log4JRCE_BODY', 'JavaDeserializationRCE_BODY']),
    managed(5, 'AWSManagedRulesCommonRuleSet', [
      'NoUserAgent_HEADER',
      'SizeRestrictions_BODY',
      'CrossSiteScripting_BODY',
      'GenericLFI_BODY',
      'GenericRFI_BODY',
      'RestrictedExtensions_QUERYARGUMENTS',
      'EC2MetaDataSSRF_BODY',
    ]),
  );
  return rules;
}
