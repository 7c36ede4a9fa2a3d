import { AuthForm } from '../components/auth-form';

export function AuthPage({ mode }: { mode: 'signup' | 'login' }) {
  return <AuthForm key={mode} initialMode={mode} />;
}
