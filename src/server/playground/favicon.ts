import type { RequestHandler } from 'express';

/**
 * A 16×16 icon (a teal disc) built as a 32-bit BMP inside an ICO container, so browsers that
 * ask for /favicon.ico get an answer instead of a 404 — no image file to ship.
 */
function buildIcon(): Buffer {
  const size = 16;
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y += 1)
    for (let x = 0; x < size; x += 1) {
      const inside = (x - 7.5) ** 2 + (y - 7.5) ** 2 <= 7.5 ** 2;
      // BMP rows run bottom-up; pixels are BGRA.
      pixels.set(inside ? [0x88, 0x96, 0x00, 0xff] : [0, 0, 0, 0], ((size - 1 - y) * size + x) * 4);
    }
  const mask = Buffer.alloc(size * 4); // 1-bit AND mask, rows padded to 4 bytes: all opaque
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8); // colour + mask
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  header.writeUInt32LE(pixels.length + mask.length, 20);
  const image = Buffer.concat([header, pixels, mask]);
  const dir = Buffer.alloc(6 + 16);
  dir.writeUInt16LE(1, 2); // type: icon
  dir.writeUInt16LE(1, 4); // one image
  dir.writeUInt8(size, 6);
  dir.writeUInt8(size, 7);
  dir.writeUInt16LE(1, 10);
  dir.writeUInt16LE(32, 12);
  dir.writeUInt32LE(image.length, 14);
  dir.writeUInt32LE(dir.length, 18);
  return Buffer.concat([dir, image]);
}

const ICON = buildIcon();

export const favicon: RequestHandler = (_req, res) => {
  res.setHeader('content-type', 'image/x-icon');
  res.setHeader('cache-control', 'public, max-age=86400');
  res.send(ICON);
};
