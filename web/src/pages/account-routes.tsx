import type { ReactNode } from 'react';
import { ConfirmEmailPage } from './confirm-email-page';
import { ForgotPasswordPage } from './forgot-password-page';
import { ResetPasswordPage } from './reset-password-page';
import { RevertEmailPage } from './revert-email-page';
import { RevertTwoFactorPage } from './revert-two-factor-page';
import { VerifyEmailPage } from './verify-email-page';

/**
 * The account pages anyone may open, signed in or not: the e-mailed links (their paths are the
 * server's, src/mail/account-mail.ts) and the reset request. Each finishes its job either way.
 */
const OPEN_PAGES: Record<string, () => ReactNode> = {
  '/account/verify-email': () => <VerifyEmailPage />,
  '/account/reset-password': () => <ResetPasswordPage />,
  '/account/confirm-email': () => <ConfirmEmailPage />,
  '/account/revert-email': () => <RevertEmailPage />,
  '/account/revert-two-factor': () => <RevertTwoFactorPage />,
  '/forgot-password': () => <ForgotPasswordPage />,
};

export const isOpenAccountPath = (path: string): boolean => Object.hasOwn(OPEN_PAGES, path);

/** The page for an open account path, or null. */
export const openAccountPage = (path: string): ReactNode =>
  isOpenAccountPath(path) ? OPEN_PAGES[path]() : null;
