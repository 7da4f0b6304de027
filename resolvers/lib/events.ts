// One structured log line per refusal or model failure, without prompt text; the stack turns
// them into CloudWatch metrics with metric filters on the API's log group.
export type TollgateEvent = 'QuotaExceeded' | 'RateLimited' | 'ModelError' | 'TokenOverrun' | 'GuardrailBlocked' | 'ServiceBusy' | 'SettleDeferred';

export function recordEvent(event: TollgateEvent, fields: Record<string, string | number | boolean>): void {
  console.log(JSON.stringify({ tollgateEvent: event, ...fields }));
}
