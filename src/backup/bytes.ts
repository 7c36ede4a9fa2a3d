/**
 * A zero-copy Uint8Array view of a Buffer. The pinned @types/node declares Buffer in a way the
 * compiler's newer Uint8Array typing rejects for crypto and Buffer.concat arguments.
 */
export const bytes = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
