import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { SigningKey } from '../../client/src/log-verification/checkpoint';
import { fromBase64 } from '../../client/src/log-verification/base64';
import { verifyLogExport } from '../../client/src/log-verification/log-export';
import type { CliIo } from './backup-command';

export const LOG_VERIFY_USAGE = `usage: teamgraph log verify <export.json> [--key <keyId>=<base64 public key> ...]
  Checks a log export offline (nothing is read from the database): the checkpoint's signature
  under a pinned key (--key, repeatable; without it the file's own keys, which it says), every
  row's canonical form and leaf hash, the hash chain, and the Merkle root the checkpoint signs.
  Exits 0 when everything holds, 1 naming the first failure, 2 for a usage error.
  See docs/log-verification.md.`;

/** `--key id=base64`, a pinned key; its validity is the file's for that same key, if listed. */
function parsePinnedKey(spec: string): { keyId: string; publicKey: string } | undefined {
  const at = spec.indexOf('=');
  if (at < 1) return undefined;
  const keyId = spec.slice(0, at);
  const publicKey = spec.slice(at + 1);
  return fromBase64(publicKey)?.length === 32 ? { keyId, publicKey } : undefined;
}

/**
 * A pinned key is trusted for the window the file gives the same key (same id and bytes), the
 * narrower claim; a key the file does not list is trusted at any time.
 */
function withValidity(pinned: { keyId: string; publicKey: string }, listed: unknown): SigningKey {
  const keys = Array.isArray(listed) ? (listed as Partial<SigningKey>[]) : [];
  const same = keys.find((k) => k?.keyId === pinned.keyId && k?.publicKey === pinned.publicKey);
  return {
    ...pinned,
    validFrom: typeof same?.validFrom === 'string' ? same.validFrom : '0000-01-01T00:00:00.000Z',
    validUntil: typeof same?.validUntil === 'string' ? same.validUntil : null,
  };
}

/** `teamgraph log verify <file> [--key id=base64 ...]` */
export async function runLogVerify(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { key: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.err(`teamgraph log verify: ${(error as Error).message}`);
    io.err(LOG_VERIFY_USAGE);
    return 2;
  }
  if (parsed.values.help) {
    io.out(LOG_VERIFY_USAGE);
    return 0;
  }
  const [file, ...extra] = parsed.positionals;
  const pinned = (parsed.values.key ?? []).map((spec) => ({ spec, key: parsePinnedKey(spec) }));
  const badKey = pinned.find(({ key }) => !key);
  if (!file || extra.length || badKey) {
    io.err(
      badKey
        ? `teamgraph log verify: --key "${badKey.spec}" is not <keyId>=<base64 of 32 bytes>`
        : 'teamgraph log verify: name exactly one export file',
    );
    io.err(LOG_VERIFY_USAGE);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    io.err(`teamgraph log verify: cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  let exported: unknown;
  try {
    exported = JSON.parse(text);
  } catch (error) {
    io.err(`FAILED format: ${file} is not JSON (${(error as Error).message})`);
    return 1;
  }
  const listed = (exported as { signingKeys?: unknown } | null)?.signingKeys;
  const result = await verifyLogExport(exported, {
    pinnedKeys: pinned.length ? pinned.map(({ key }) => withValidity(key!, listed)) : undefined,
  });
  for (const line of result.checked) io.out(`ok  ${line}`);
  if (result.failure) {
    const { step, seq, message } = result.failure;
    io.err(`FAILED ${step}${seq === undefined ? '' : ` at row ${seq}`}: ${message}`);
    return 1;
  }
  io.out('verified: every check held');
  return 0;
}
