// Sign up and log in, one form. Errors stand next to the field they are about (ValidationError's
// errorInfo.field, EmailTaken → email, InvalidCredentials → password); limits (TooManyAttempts,
// RateLimited) hold the button back and count down to when it may be tried again.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { formatDuration } from '../../../client/cli-text.ts';
import { problemOf, type Problem } from '../problem.ts';
import type { Session } from '../session.ts';

type Mode = 'login' | 'signup';

function useCountdown(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null || until <= Date.now()) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

export function AuthForm({ session }: { session: Session }) {
  const [mode, setMode] = useState<Mode>('login');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState('');
  const wait = useCountdown(problem?.retryAt ?? null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const ids = { email: useId(), password: useId(), emailError: useId(), passwordError: useId(), formError: useId(), title: useId() };

  const fieldError = (field: 'email' | 'password') => (problem && problem.field === field ? problem.message : '');
  const formError = problem && problem.field !== 'email' && problem.field !== 'password' ? problem.message : '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    setNotice('');
    try {
      const client = session.clientFor();
      if (mode === 'signup') {
        await client.register(email, password);
        setNotice('Account created. Logging you in…');
      }
      const login = await client.login(email, password);
      session.signIn({ token: login.token, email: login.email, expiresAt: login.expiresAt });
    } catch (error) {
      const p = problemOf(error);
      setProblem(p);
      setNotice('');
      // Focus goes where the problem is, so a keyboard or screen-reader user lands on it.
      if (p.field === 'email') emailRef.current?.focus();
      else if (p.field === 'password') passwordRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const switchTo = (next: Mode) => {
    setMode(next);
    setProblem(null);
    setNotice('');
  };

  const title = mode === 'login' ? 'Log in' : 'Create an account';
  const held = wait > 0;
  return (
    <div className="auth">
      <section className="auth-card" aria-labelledby={ids.title}>
        <h1 id={ids.title}>{title}</h1>
        <p className="hint">Chat with a model on Amazon Bedrock within a daily quota.</p>
        <div className="auth-switch" role="group" aria-label="Account">
          <button type="button" aria-pressed={mode === 'login'} onClick={() => switchTo('login')}>
            Log in
          </button>
          <button type="button" aria-pressed={mode === 'signup'} onClick={() => switchTo('signup')}>
            Sign up
          </button>
        </div>
        <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={formError ? ids.formError : undefined}>
          <div className="field">
            <label htmlFor={ids.email}>Email</label>
            <input
              ref={emailRef}
              id={ids.email}
              name="email"
              type="email"
              autoComplete="username"
              value={email}
              onChange={(e) => {
                setEmail(e.target.value);
                // Another email is another account: its own errors and limits, not this one's.
                if (problem) setProblem(null);
              }}
              aria-invalid={fieldError('email') ? true : undefined}
              aria-describedby={fieldError('email') ? ids.emailError : undefined}
              required
            />
            {fieldError('email') && (
              <p id={ids.emailError} className="field-error">
                {fieldError('email')}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.password}>Password</label>
            <input
              ref={passwordRef}
              id={ids.password}
              name="password"
              type="password"
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              value={password}
              onChange={(e) => {
                setPassword(e.target.value);
                if (problem?.field === 'password') setProblem(null);
              }}
              aria-invalid={fieldError('password') ? true : undefined}
              aria-describedby={fieldError('password') ? ids.passwordError : mode === 'signup' ? `${ids.password}-hint` : undefined}
              required
            />
            {mode === 'signup' && !fieldError('password') && (
              <p id={`${ids.password}-hint`} className="hint">
                At least 8 characters; common passwords are refused.
              </p>
            )}
            {fieldError('password') && (
              <p id={ids.passwordError} className="field-error">
                {fieldError('password')}
              </p>
            )}
          </div>
          <p id={ids.formError} className="form-error" role="alert">
            {formError && (held ? `${formError.replace(/ Try again in .*$/, '')} Try again in ${formatDuration(wait)}.` : formError)}
          </p>
          <p className="notice" role="status">
            {notice}
          </p>
          <button type="submit" className="primary" disabled={busy || held}>
            {busy ? 'Please wait…' : held ? `Try again in ${formatDuration(wait)}` : title}
          </button>
        </form>
      </section>
    </div>
  );
}
