import { useState, type FormEvent } from 'react';
import { api, errorText } from '../api/client';
import type { User } from '../api/types';

export function AuthScreen({ onLoggedIn, notice }: { onLoggedIn: (u: User) => void; notice: string | null }) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const v = (k: string) => String(f.get(k) ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      const user =
        mode === 'login'
          ? await api.login(v('email'), String(f.get('password') ?? ''))
          : await api.register({
              companyName: v('companyName'),
              firstName: v('firstName'),
              lastName: v('lastName'),
              email: v('email'),
              password: String(f.get('password') ?? ''),
            });
      onLoggedIn(user);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="auth">
      <section className="auth-card" aria-labelledby="auth-title">
        <div className="brand brand-lg">
          <span className="brand-mark" aria-hidden="true">
            WA
          </span>
          <span>Team Inbox</span>
        </div>
        <h1 id="auth-title">{mode === 'login' ? 'Log in' : 'Register your company'}</h1>
        <p className="muted">
          {mode === 'login' ? 'Answer your customers’ WhatsApp messages together.' : 'Create a company account. You will be its first admin.'}
        </p>
        {notice && (
          <p className="banner banner-info" role="status">
            {notice}
          </p>
        )}
        <div className="tabs" role="tablist" aria-label="Log in or register">
          <button type="button" role="tab" id="tab-login" aria-controls="auth-panel" aria-selected={mode === 'login'} className={mode === 'login' ? 'tab active' : 'tab'} onClick={() => { setMode('login'); setError(null); }}>
            Log in
          </button>
          <button type="button" role="tab" id="tab-register" aria-controls="auth-panel" aria-selected={mode === 'register'} className={mode === 'register' ? 'tab active' : 'tab'} onClick={() => { setMode('register'); setError(null); }}>
            Register a company
          </button>
        </div>
        <div role="tabpanel" id="auth-panel" aria-labelledby={mode === 'login' ? 'tab-login' : 'tab-register'}>
          <form onSubmit={(e) => void submit(e)} className="form" key={mode}>
            {mode === 'register' && (
              <>
                <label className="field">
                  <span>Company name</span>
                  <input name="companyName" required maxLength={200} autoComplete="organization" />
                </label>
                <div className="row2">
                  <label className="field">
                    <span>First name</span>
                    <input name="firstName" required maxLength={100} autoComplete="given-name" />
                  </label>
                  <label className="field">
                    <span>Last name</span>
                    <input name="lastName" required maxLength={100} autoComplete="family-name" />
                  </label>
                </div>
              </>
            )}
            <label className="field">
              <span>Email</span>
              <input name="email" type="email" required autoComplete="email" />
            </label>
            <label className="field">
              <span>Password</span>
              <input name="password" type="password" required minLength={mode === 'register' ? 10 : 1} autoComplete={mode === 'login' ? 'current-password' : 'new-password'} />
              {mode === 'register' && <small className="muted">At least 8 characters.</small>}
            </label>
            {error && (
              <p className="banner banner-error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
              {busy ? 'Please wait…' : mode === 'login' ? 'Log in' : 'Create company'}
            </button>
          </form>
        </div>
      </section>
    </main>
  );
}
