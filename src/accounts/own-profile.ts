/**
 * Users handed to the person they belong to by a call that had no session yet (signUp, logIn
 * answer with the new session's own user). Only server code marks them; clients cannot forge one.
 */
const own = new WeakSet<object>();

export function markOwnProfile<T extends object>(user: T): T {
  own.add(user);
  return user;
}

export function isOwnProfile(value: unknown): boolean {
  return typeof value === 'object' && value !== null && own.has(value);
}
