import type { Viewer } from '../src/accounts/session.service';
import type { Context } from './context';
import { unauthenticated } from '../src/errors/errors';

/** The signed-in viewer; the permission map already refused anonymous callers. */
export function requireViewer(ctx: Context<never>): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}
