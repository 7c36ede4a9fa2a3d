/**
 * One unmasked, final WebSocket text frame (RFC 6455 §5.2) holding `parts` in order, as one
 * buffer: what ws's sender would write for the same text, built from bytes encoded once
 * instead of a string encoded again for every socket. Server frames are never masked.
 */
export function textFrame(parts: readonly Buffer[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (headerLength === 2) frame[1] = length;
  else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  let offset = headerLength;
  for (const part of parts) offset += part.copy(frame, offset);
  return frame;
}
