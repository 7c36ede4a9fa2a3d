/**
 * A backup that must not be used: tampered, truncated, unknown, for another key or schema, or a
 * restore target that is not acceptable. The message says why, for the operator.
 */
export class BackupRefusedError extends Error {
  override name = 'BackupRefusedError';
}

export const refuse = (message: string): BackupRefusedError => new BackupRefusedError(message);
