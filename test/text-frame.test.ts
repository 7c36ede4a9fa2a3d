import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import WebSocket, { WebSocketServer } from 'ws';
import { textFrame } from '../src/server/live-transport/socket-writer';

/** ws's own framing, which the hub's frames must equal byte for byte (not in ws's typings). */
const { Sender } = WebSocket as unknown as {
  Sender: {
    frame(
      data: Buffer,
      options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
    ): Buffer[];
  };
};
const wsFrame = (text: Buffer) =>
  Buffer.concat(
    Sender.frame(text, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }),
  );

/** Texts of every header size, the boundary lengths (125/126, 65535/65536 bytes) included. */
const totalLength = fc.oneof(
  fc.constantFrom(0, 1, 125, 126, 127, 65_535, 65_536, 65_537),
  fc.integer({ min: 0, max: 140_000 }),
);
/** A text of that many bytes (a filler and a few random ones), cut into up to three parts. */
const parts = totalLength.chain((length) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: 255 }),
      fc.uint8Array({ maxLength: Math.min(length, 16) }),
      fc.array(fc.integer({ min: 0, max: length }), { maxLength: 2 }),
    )
    .map(([filler, head, cuts]) => {
      const text = Buffer.alloc(length, filler);
      text.set(head);
      const at = [0, ...cuts.sort((x, y) => x - y), length];
      return at.slice(1).map((end, i) => text.subarray(at[i], end));
    }),
);
/** n bytes of UTF-8 with two-byte characters in it. */
const textOf = (n: number) => 'é'.repeat(n >> 2) + 'x'.repeat(n - 2 * (n >> 2));

describe('textFrame', () => {
  it('equals the frame ws writes for the same text, whatever the lengths', () => {
    fc.assert(
      fc.property(parts, (cut) => {
        expect(textFrame(cut).equals(wsFrame(Buffer.concat(cut)))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('reaches a real ws client as exactly that text, for each header size', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const { port } = http.address() as AddressInfo;
    const serverSide = once(wss, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    const [socket] = await serverSide;
    await once(client, 'open');
    const underlying = (socket as unknown as { _socket: { write(frame: Buffer): boolean } })
      ._socket;
    const texts = [10, 125, 126, 65_535, 65_536, 200_000].map(textOf);
    expect(texts.map((text) => Buffer.byteLength(text))).toEqual([
      10, 125, 126, 65_535, 65_536, 200_000,
    ]);
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('message', (data: Buffer) => {
        received.push(data.toString('utf8'));
        if (received.length === texts.length) resolve();
      }),
    );
    for (const text of texts) {
      const bytes = Buffer.from(text);
      underlying.write(textFrame([bytes.subarray(0, 3), bytes.subarray(3)]));
    }
    await all;
    expect(received).toEqual(texts);
    client.close();
    await once(client, 'close');
    wss.close();
    await new Promise((resolve) => http.close(resolve));
  });
});
