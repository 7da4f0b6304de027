// Where the local services' IAM behaviour is not verified against AWS, the emulator's choice —
// all of them here, each with its reason, so a live probe's answer is a one-line change. (AppSync's
// side of data-source refusals is in emulator/appsync/choices.ts, DATA_SOURCE_IAM_CHOICES.)
export const IAM_CHOICES = {
  /**
   * Which destination Regions of a geographic inference profile are checked: AWS routes each call
   * to one Region of the profile's list and authorizes the foundation model there, so a grant that
   * misses one fails now and then. 'geography' checks every Region of the geography
   * (infra/models.ts GEOGRAPHY_REGIONS, the list the local control plane answers
   * GetInferenceProfile with), so such a grant fails every time, offline.
   */
  profileDestinations: 'geography' as 'geography' | 'source',
  /**
   * Answers to a request whose signature fails, per protocol. The emulator's own: DynamoDB and
   * Secrets Manager (AWS JSON) answer HTTP 400 with `__type` com.amazon.coral.service#<name> and
   * `message`, as dynalite does for its signature errors; Bedrock Runtime (REST-JSON) answers 403
   * with x-amzn-ErrorType, as AppSync does. Only the exception names are AWS's.
   */
  jsonAuthFailureStatus: 400,
  restAuthFailureStatus: 403,
  /**
   * AccessDenied bodies carry the message as "Message", as AWS's IAM layer writes it: a DynamoDB
   * refusal captured as {"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: …"}
   * (found by code search, 2026-11-30) and Bedrock's {"Message":"User: … with an explicit deny…"}
   * (https://github.com/posit-dev/positron/issues/10683). Secrets Manager's is not verified; its
   * status 400 is ("status code: 400" in https://github.com/binbashar/le-tf-infra-aws/pull/874).
   */
  accessDeniedMessageKey: 'Message',
} as const;
