import { createCipheriv, createDecipheriv, randomBytes, type DecipherGCM } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { refuse } from './backup-errors';
import { bytes } from './bytes';

/** Part layout: MAGIC | 12-byte IV | AES-256-GCM ciphertext | 16-byte auth tag. */
const MAGIC = bytes(Buffer.from('TGB1'));
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + IV_BYTES;

/**
 * Encrypts a stream with AES-256-GCM. `aad` binds the part to its backup and table, so parts
 * cannot be swapped between backups or tables without failing authentication.
 */
export function createEncryptStream(key: Buffer, aad: string): Transform {
  const iv = bytes(randomBytes(IV_BYTES));
  const cipher = createCipheriv('aes-256-gcm', bytes(key), iv);
  cipher.setAAD(bytes(Buffer.from(aad)));
  let headerSent = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (!headerSent) {
        this.push(Buffer.concat([MAGIC, iv]));
        headerSent = true;
      }
      callback(null, cipher.update(bytes(chunk)));
    },
    flush(callback: TransformCallback) {
      if (!headerSent) this.push(Buffer.concat([MAGIC, iv]));
      this.push(cipher.final());
      callback(null, cipher.getAuthTag());
    },
  });
}

/**
 * Decrypts a part. Plaintext is released as it streams (never the whole part in memory); the
 * tag is checked at the end, so callers must treat the data as unverified until the stream
 * finishes — restore does all its writes in one transaction that an error rolls back.
 */
export function createDecryptStream(key: Buffer, aad: string, label: string): Transform {
  let header: Uint8Array = new Uint8Array(0);
  let decipher: DecipherGCM | undefined;
  // The last TAG_BYTES seen so far may be the tag: hold them back.
  let tail: Uint8Array = new Uint8Array(0);
  const fail = (why: string) => refuse(`${label}: ${why}`);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      let data = bytes(chunk);
      if (!decipher) {
        header = bytes(Buffer.concat([header, data]));
        if (header.length < HEADER_BYTES) return callback();
        if (!Buffer.from(header.subarray(0, MAGIC.length)).equals(MAGIC)) {
          return callback(fail('not an encrypted backup part'));
        }
        decipher = createDecipheriv(
          'aes-256-gcm',
          bytes(key),
          header.subarray(MAGIC.length, HEADER_BYTES),
        );
        decipher.setAAD(bytes(Buffer.from(aad)));
        data = header.subarray(HEADER_BYTES);
      }
      const buffered = bytes(Buffer.concat([tail, data]));
      const cut = Math.max(0, buffered.length - TAG_BYTES);
      tail = buffered.subarray(cut);
      callback(null, decipher.update(buffered.subarray(0, cut)));
    },
    flush(callback: TransformCallback) {
      if (!decipher || tail.length < TAG_BYTES)
        return callback(fail('truncated (no authentication tag)'));
      try {
        decipher.setAuthTag(tail);
        callback(null, decipher.final());
      } catch {
        callback(fail('authentication failed (tampered, truncated or another key)'));
      }
    },
  });
}
