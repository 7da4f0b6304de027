// Turns a client's text frame into a typed message, or says what it is instead.
import type { ClientMessage, StartMessage } from './message-types.ts';

export type ParsedFrame =
  | { kind: 'message'; message: ClientMessage }
  /** Valid JSON with a type the protocol does not have (graphql-transport-ws's subscribe, …). */
  | { kind: 'unknownType'; type: string; id: string | undefined }
  /** A known type whose fields are missing or of the wrong kind. */
  | { kind: 'malformed'; type: string; id: string | undefined; reason: string }
  /** Not JSON, not an object, or no type. */
  | { kind: 'notAMessage' };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function isStartMessage(value: Record<string, unknown>): value is Record<string, unknown> & StartMessage {
  return value.type === 'start' && typeof value.id === 'string' && isRecord(value.payload) && typeof value.payload.data === 'string';
}

export function parseFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'notAMessage' };
  }
  if (!isRecord(value) || typeof value.type !== 'string') return { kind: 'notAMessage' };
  const id = typeof value.id === 'string' ? value.id : undefined;
  switch (value.type) {
    case 'connection_init':
      return { kind: 'message', message: { type: 'connection_init', payload: value.payload } };
    case 'start':
      if (id === undefined || id === '') return { kind: 'malformed', type: 'start', id, reason: 'A start message needs an id.' };
      if (!isStartMessage(value)) return { kind: 'malformed', type: 'start', id, reason: 'A start message needs payload.data, the subscription request as a JSON string.' };
      return {
        kind: 'message',
        message: { type: 'start', id, payload: { data: value.payload.data, extensions: isRecord(value.payload.extensions) ? value.payload.extensions : undefined } },
      };
    case 'stop':
      if (id === undefined) return { kind: 'malformed', type: 'stop', id, reason: 'A stop message needs the id of the subscription.' };
      return { kind: 'message', message: { type: 'stop', id } };
    default:
      return { kind: 'unknownType', type: value.type, id };
  }
}

/** The subscription request inside start's payload.data. */
export function parseStartData(data: string): { query: string; variables: Record<string, unknown>; operationName: string | null } | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isRecord(value) || typeof value.query !== 'string') return null;
  const variables = value.variables === undefined || value.variables === null ? {} : value.variables;
  if (!isRecord(variables)) return null;
  return { query: value.query, variables, operationName: typeof value.operationName === 'string' && value.operationName !== '' ? value.operationName : null };
}
