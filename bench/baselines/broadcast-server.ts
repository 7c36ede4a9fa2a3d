/**
 * The fan-out baseline: a bare `ws` server that broadcasts a frame to every socket of a room,
 * with nothing else — no protocol, no authentication, no database, no per-subscriber work.
 * `POST /publish?room=<id>` sends the request body to every socket that connected with
 * `?room=<id>`, after replacing `__NOW__` with the current time (the subscribers' clock start).
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const rooms = new Map<string, Set<WebSocket>>();
const roomOf = (url: string | undefined) =>
  new URL(url ?? '/', 'http://localhost').searchParams.get('room') ?? '';

const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200).end('ok');
    return;
  }
  if (req.method === 'POST' && req.url?.startsWith('/publish')) {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const frame = body.replace('__NOW__', new Date().toISOString());
      const members = rooms.get(roomOf(req.url)) ?? new Set();
      for (const socket of members) socket.send(frame);
      res.writeHead(200).end(String(members.size));
    });
    return;
  }
  res.writeHead(404).end();
});

const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (socket, request) => {
  const room = roomOf(request.url);
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(socket);
  socket.on('close', () => members.delete(socket));
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate();
  server.close(() => process.exit(0));
});
