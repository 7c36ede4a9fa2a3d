/** A revoked or expired session's socket, or a bad token (graphql-ws's Forbidden). */
export const CLOSE_FORBIDDEN = 4403;
/** A malformed message (graphql-ws's BadRequest). */
export const CLOSE_BAD_REQUEST = 4400;
/** Over a per-socket, per-user or per-address cap (WebSocket "policy violation"). */
export const CLOSE_POLICY = 1008;
/** The server is stopping (WebSocket "going away"). */
export const CLOSE_GOING_AWAY = 1001;
