// Acting as many clients from one machine: Linux routes all of 127.0.0.0/8 to loopback, so a
// connection bound to 127.0.0.7 reaches a server on 127.0.0.1 and arrives from 127.0.0.7. A fetch
// bound to a local address lets tests exercise per-source-IP limits the way separate clients would.
import { request } from 'node:http';

let next = 0;

/**
 * The second octet of this test worker's addresses: files run in parallel workers against shared
 * emulators (the e2e project's), so each worker takes its own /16 of 127.0.0.0/8 (127.10.0.0 on;
 * 127.0.x.x and 127.1.x.x stay free for addresses tests name themselves).
 */
const WORKER_OCTET = 10 + (Number(process.env.VITEST_WORKER_ID ?? 0) % 240);

/** A loopback address no other client of this test run has used (127.W.0.1, 127.W.0.2, …). */
export function nextLoopbackAddress(): string {
  const n = next;
  next += 1;
  if (n >= 250 * 250) throw new Error('This test worker has used all 62,500 of its loopback addresses.');
  return `127.${WORKER_OCTET}.${Math.floor(n / 250)}.${1 + (n % 250)}`;
}

/** `fetch` over HTTP/1.1 from the given local address (the subset the SDK and tests use). */
export function fetchFrom(localAddress: string): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = init?.body === undefined || init.body === null ? undefined : String(init.body as string);
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: init?.method ?? 'GET', headers, localAddress, family: 4 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const out = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(', ') : value);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: out }));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }) as typeof fetch;
}
