// The real-time side's numbers and texts: AWS's values as defaults (each with its source), and
// every choice where AppSync's behaviour is unverified (APPSYNC-REALTIME.md appendix A), so a
// live probe's answer is a one-line change. Settings override the numbers (RealtimeSettings).
// Where the emulator is more reliable than AWS, on purpose: a subscription is live exactly from
// its start_ack (AWS occasionally loses an event published just after it), events reach each
// connection in publish order (not guaranteed on AWS), and an event over the payload cap is
// logged, not only dropped. Tests must not lean on these (APPSYNC-REALTIME.md §0.4).

export interface RealtimeSettings {
  /** connection_ack's connectionTimeoutMs: how long a client waits for a ka before it gives up. */
  connectionTimeoutMs: number;
  /** How often the server sends ka (a first one follows connection_ack at once). */
  keepAliveIntervalMs: number;
  /** AppSync closes every connection after this long. */
  maxConnectionLifetimeMs: number;
  /** Subscriptions one connection may hold. */
  maxSubscriptionsPerConnection: number;
  /** A data frame's payload larger than this is not delivered (the publisher still succeeds). */
  maxPayloadBytes: number;
  /** start frames per second one connection may send before LimitExceededError. */
  maxStartsPerSecond: number;
  /** The largest client frame accepted; a bigger one closes the socket (1009). */
  maxClientFrameBytes: number;
}

export const REALTIME_DEFAULTS: RealtimeSettings = {
  // RT: "connectionTimeoutMs": 300000 in its connection_ack example
  // (https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html, checked 2026-11-30).
  connectionTimeoutMs: 300_000,
  // Observed 60.0 s apart on AWS (sashee/appsync-start_ack); the subscription link assumes 1 min.
  keepAliveIntervalMs: 60_000,
  // RT: connections are closed after 24 hours.
  maxConnectionLifetimeMs: 24 * 60 * 60_000,
  // "an adjustable limit of 100 subscriptions per connection" (AWS Amplify docs,
  // https://docs.amplify.aws/swift/build-a-backend/more-features/datastore/real-time, checked 2026-11-30).
  maxSubscriptionsPerConnection: 100,
  // RTD: 240 KB; the boundary measured on AWS is about 245,760 bytes (MOOT).
  maxPayloadBytes: 240 * 1024,
  // Unverified (appendix A): AppSync answers LimitExceededError past an undocumented rate.
  maxStartsPerSecond: 50,
  // Unverified (appendix A): the emulator's HTTP body cap.
  maxClientFrameBytes: 1024 * 1024,
};

/** The subprotocol AppSync speaks (not graphql-transport-ws). */
export const SUBPROTOCOL = 'graphql-ws';

export const REALTIME_CHOICES = {
  /** §2.3: a well-formed handshake with bad credentials: the ack is a connection_error, then close. */
  unauthorizedConnection: { errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.', errorCode: 401 },
  /** §7: connection_init that is not a JSON object with a type. */
  malformedInit: { errorType: 'BadRequest', errorCode: 400 },
  /** §7: a request to upgrade without graphql-ws among its subprotocols. */
  wrongSubprotocol: { message: 'SubProtocolNotSupportedError', errorCode: 400 },
  /** §3.4: observed with kind "" for a query sent over the socket, "unknown" for an unknown frame type. */
  unsupported: (kind: string) => `${kind} not supported through the realtime channel`,
  duplicated: (id: string) => `Duplicated operation with id ${id}`,
  maxSubscriptions: (max: number) => `Max number of ${max} subscriptions reached`,
  /** §3.4: both limit errors were seen with errors as a single object, not an array. */
  limitErrorsAsObject: true,
  /** Appendix A: a stop for an id the connection does not hold; the Events API's answer. */
  unknownStop: { errorType: 'UnknownOperationError', message: (id: string) => `Unknown operation id ${id}` },
  /** Appendix A: a frame that is not JSON, or binary. */
  badFrame: { errorType: 'BadRequest', message: 'The message is not a JSON object with a type.' },
  /** §5.4 / appendix A: what an invalidated subscriber gets before its socket closes (INV's text; the frame around it is unverified). */
  invalidated: { message: 'Subscription complete.', closeCode: 1000 },
  /** A second connection_init on an acknowledged connection is ignored (appendix A). */
  ignoreRepeatedInit: true,
  /**
   * §5.3: a filter over AppSync's limits is refused with an error frame (AWS's reaction is
   * unverified; it may fail silently), and the reason is logged.
   */
  filterLimitErrorType: 'FilterValidationError',
  /** RT: AppSync closes a connection after 24 h; the close code and reason it uses are unverified. */
  closeAfterLifetime: { code: 1000, reason: 'Connection lifetime reached' },
};
