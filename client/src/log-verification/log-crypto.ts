/**
 * The only cryptography the verifier needs, from the platform: WebCrypto's SHA-256 and Ed25519.
 * Browsers and React Native expose it as `crypto.subtle`; in Node it is node:crypto's webcrypto,
 * global since Node 19 and with Ed25519 since Node 18.4, so one adapter serves every runtime.
 */
const subtle = (): typeof globalThis.crypto.subtle => {
  const found = globalThis.crypto?.subtle;
  if (!found) throw new Error('This runtime has no WebCrypto (crypto.subtle): cannot verify');
  return found;
};

/** WebCrypto's types take only ArrayBuffer-backed views: a copy is one. */
const owned = (bytes: Uint8Array) => new Uint8Array(bytes);

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', owned(bytes)));
}

/** True when `signature` is a valid Ed25519 signature of `message` under the raw 32-byte key. */
export async function verifyEd25519(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const key = await subtle().importKey('raw', owned(publicKey), { name: 'Ed25519' }, false, [
    'verify',
  ]);
  return subtle().verify({ name: 'Ed25519' }, key, owned(signature), owned(message));
}
