// Runs inside a worker thread: one Lambda "container". Loads the bundle once (the cold start),
// then handles one invocation at a time, as Lambda does. Transpiled and started by runner.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';

interface HostData {
  file: string;
  exportName: string;
  functionName: string;
  memoryMb: number;
}

interface InvokeMessage {
  id: string;
  event: string;
  deadline: number;
}

const data = workerData as HostData;
const port = parentPort!;
process.setSourceMapsEnabled(true);

const started = performance.now();
let handler: ((event: unknown, context: unknown) => unknown) | undefined;
let initError: { errorType: string; errorMessage: string } | undefined;
try {
  const mod = createRequire(data.file)(data.file) as Record<string, unknown>;
  const fn = mod[data.exportName];
  if (typeof fn !== 'function') throw Object.assign(new Error(`${data.exportName} is not a function in ${data.file}`), { name: 'Runtime.HandlerNotFound' });
  handler = fn as typeof handler;
} catch (error) {
  const e = error as Error;
  initError = { errorType: e.name ?? 'Runtime.ImportModuleError', errorMessage: e.message ?? String(error) };
}
port.postMessage({ type: 'ready', initMs: performance.now() - started });

// An error that escapes the handler's promise (a throw in a timer, an unhandled rejection) fails
// the current invocation and ends the container, as Lambda's Node.js runtime does.
let current: string | undefined;
const crash = (errorType: string, errorMessage: string) => {
  if (current) port.postMessage({ type: 'result', id: current, ok: false, errorType, errorMessage, fatal: true });
  current = undefined;
  setImmediate(() => process.exit(129));
};
process.on('uncaughtException', (error: Error) => crash(error?.name || 'Error', error?.message ?? String(error)));
process.on('unhandledRejection', (reason: unknown) =>
  crash('Runtime.UnhandledPromiseRejection', reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)),
);

port.on('message', async (message: InvokeMessage) => {
  current = message.id;
  if (initError) {
    port.postMessage({ type: 'result', id: message.id, ok: false, ...initError });
    return;
  }
  const context = {
    awsRequestId: message.id,
    functionName: data.functionName,
    functionVersion: '$LATEST',
    memoryLimitInMB: String(data.memoryMb),
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${data.functionName}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  try {
    const result = await handler!(JSON.parse(message.event), context);
    // Lambda serializes the result as JSON; so do we (Dates become strings, undefined disappears).
    if (current === message.id) port.postMessage({ type: 'result', id: message.id, ok: true, payload: result === undefined ? 'null' : JSON.stringify(result) });
  } catch (error) {
    const e = (error ?? {}) as Error;
    if (current === message.id) port.postMessage({ type: 'result', id: message.id, ok: false, errorType: e.name || 'Error', errorMessage: e.message ?? String(error) });
  }
  if (current === message.id) current = undefined;
});
