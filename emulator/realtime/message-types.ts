// The frames of AppSync's real-time protocol (subprotocol graphql-ws, AppSync's own dialect):
// RT = https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html
// (checked 2026-11-30) and APPSYNC-REALTIME.md §3.

export interface RealtimeError {
  errorType?: string | null;
  message?: string;
  errorCode?: number;
}

// Client → server.
export interface ConnectionInitMessage {
  type: 'connection_init';
  payload?: unknown;
}

export interface StartMessage {
  type: 'start';
  id: string;
  payload: {
    /** A JSON string of { query, variables, operationName? }. */
    data: string;
    extensions?: { authorization?: Record<string, unknown> };
  };
}

export interface StopMessage {
  type: 'stop';
  id: string;
}

export type ClientMessage = ConnectionInitMessage | StartMessage | StopMessage;

// Server → client.
export interface ConnectionAckMessage {
  type: 'connection_ack';
  payload: { connectionTimeoutMs: number };
}

export interface ConnectionErrorMessage {
  type: 'connection_error';
  payload: { errors: RealtimeError[] };
}

export interface KeepAliveMessage {
  type: 'ka';
}

export interface StartAckMessage {
  type: 'start_ack';
  id: string;
}

export interface DataMessage {
  type: 'data';
  id: string;
  payload: { data: Record<string, unknown> | null; errors?: unknown[] };
}

export interface ErrorMessage {
  type: 'error';
  id?: string;
  /** An array, except for the limit errors AWS was seen sending as one object (choices.ts). */
  payload: { errors: RealtimeError[] | RealtimeError };
}

export interface CompleteMessage {
  type: 'complete';
  id: string;
  payload?: { message: string };
}

export type ServerMessage = ConnectionAckMessage | ConnectionErrorMessage | KeepAliveMessage | StartAckMessage | DataMessage | ErrorMessage | CompleteMessage;
