/**
 * A caller's own shallow copy of an entity read once for several callers (shared batches, the
 * session cache): same class, same fields, so what one request changes on it stays its own.
 */
export const ownCopy = <T extends object>(row: T): T =>
  Object.assign(Object.create(Object.getPrototypeOf(row) as object) as T, row);
