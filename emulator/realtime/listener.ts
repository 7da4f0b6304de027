// One port, two schemes: a connection whose first byte opens a TLS handshake (0x16) goes to
// the HTTPS server, anything else to the plain HTTP server; both serve the same API, the same
// WebSocket upgrades included (ws:// and wss://). The port is taken first, so the API's URL is
// known before the Lambda environments are built; connections wait until the servers attach.
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

const TLS_HANDSHAKE = 0x16;

export interface Listener {
  port: number;
  /** Hands connections (held until now) to the two servers. */
  attach(http: HttpServer, https: HttpsServer): void;
  close(): Promise<void>;
}

export async function openListener(port: number, host: string): Promise<Listener> {
  const sockets = new Set<Socket>();
  let servers: { http: HttpServer; https: HttpsServer } | undefined;
  const held: Socket[] = [];
  const dispatch = (socket: Socket) => {
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      (chunk[0] === TLS_HANDSHAKE ? servers!.https : servers!.http).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (servers) dispatch(socket);
    else held.push(socket);
  });
  const bound = await new Promise<number>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${port} is in use. Stop what runs there or start with PORT=<another port>.`) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
  return {
    port: bound,
    attach(http, https) {
      servers = { http, https };
      for (const socket of held.splice(0)) dispatch(socket);
    },
    close: () =>
      new Promise<void>((resolve) => {
        servers?.http.closeAllConnections();
        servers?.https.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
