/** One GraphQL error as the server sends it: `extensions.code` is the contract's code. */
export interface GraphqlErrorShape {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/** A refused operation: the first error's code (e.g. CONFLICT, FORBIDDEN) and all errors. */
export class TeamgraphError extends Error {
  readonly code: string;
  /** `extensions.field` for BAD_USER_INPUT: the input field at fault. */
  readonly field: string | undefined;
  readonly errors: readonly GraphqlErrorShape[];
  /** The HTTP status, when the answer came over HTTP. */
  readonly status: number | undefined;

  constructor(errors: readonly GraphqlErrorShape[], status?: number) {
    const first = errors[0];
    super(first?.message ?? 'Request failed');
    this.name = 'TeamgraphError';
    this.errors = errors;
    this.status = status;
    this.code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'UNKNOWN';
    this.field = typeof first?.extensions?.field === 'string' ? first.extensions.field : undefined;
  }
}

/** The codes a client cannot fix by retrying: stop and tell the user. */
export const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set([4401, 4403]);
