// Prompt ids are ULIDs (util.autoUlid): 26 characters of Crockford's base32, time-ordered. An id
// or cursor that is not one cannot name a prompt, so it never reaches DynamoDB (whose key limits
// would turn it into an InternalError).
import { util } from '@aws-appsync/utils';

export function isPromptId(value: string): boolean {
  return value.length === 26 && util.matches('^[0-9A-HJKMNP-TV-Z]{26}$', value);
}
