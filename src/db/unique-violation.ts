import { QueryFailedError } from 'typeorm';

/** PostgreSQL refused a row because a unique index already holds its key (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string })?.code === '23505'
  );
}

/** PostgreSQL refused a row whose referenced row is gone, e.g. a deleted team (SQLSTATE 23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string })?.code === '23503'
  );
}
