import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy the test controls: `cut()` drops every connection and refuses new ones
 * (as a lost network would), `restore()` lets them through again, `retarget()` points it at
 * another server (a restarted one on a new port).
 */
export interface CuttableProxy {
  /** http://127.0.0.1:<proxy port><path> */
  url(path: string): string;
  cut(): void;
  restore(): void;
  retarget(port: number): void;
  /** Connections accepted while open (refused ones during a cut are not counted). */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<CuttableProxy> {
  let target = targetPort;
  let cutting = false;
  let connections = 0;
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    if (cutting) return socket.destroy();
    connections += 1;
    const upstream = connect(target, '127.0.0.1');
    for (const s of [socket, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    const drop = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    cut() {
      cutting = true;
      for (const s of open) s.destroy();
    },
    restore() {
      cutting = false;
    },
    retarget(next) {
      target = next;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
