import { useState, type FormEvent } from 'react';
import { errorText } from '../api/client';
import { useToast } from '../components/Toasts';
import { useServerHealth } from '../simulator/useServerHealth';
import { sessionsApi } from './api';
import { SessionCard } from './SessionCard';
import { useSessions } from './SessionsContext';

export function NumbersPage() {
  const { sessions, loaded, error, reload, setQr } = useSessions();
  const health = useServerHealth();
  const toast = useToast();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setFormError(null);
    try {
      const created = await sessionsApi.create(name.trim());
      setName('');
      toast(`“${created.displayName}” added. Scan the QR code to link it.`, 'success');
      reload();
      void sessionsApi
        .qr(created.sessionId)
        .then((q) => setQr(created.sessionId, q))
        .catch(() => undefined);
    } catch (err) {
      setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="page" aria-labelledby="numbers-title">
      <div className="page-head">
        <div>
          <h1 id="numbers-title">WhatsApp numbers</h1>
          <p className="muted">Link your company’s WhatsApp numbers, watch their connection and health.</p>
        </div>
        <form className="inline-form" onSubmit={(e) => void add(e)} aria-label="Add a WhatsApp number">
          <label className="field field-inline">
            <span>Name of the new number</span>
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Sales line" maxLength={100} required />
          </label>
          <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
            {busy ? 'Adding…' : 'Add number'}
          </button>
        </form>
      </div>
      {formError && (
        <p className="banner banner-error" role="alert">
          {formError}
        </p>
      )}
      {error && (
        <p className="banner banner-error" role="alert">
          Could not load the numbers: {error}{' '}
          <button type="button" className="btn btn-sm" onClick={reload}>
            Try again
          </button>
        </p>
      )}
      {loaded && sessions.length === 0 && !error && (
        <div className="empty">
          <h2>No numbers yet</h2>
          <p>Add your first WhatsApp number above, then scan its QR code with the phone (WhatsApp → Linked devices → Link a device).</p>
        </div>
      )}
      <ul className="cards" aria-label="WhatsApp numbers">
        {sessions.map((s) => (
          <li key={s.id}>
            <SessionCard session={s} simulator={health?.simulatorControl === true} />
          </li>
        ))}
      </ul>
    </main>
  );
}
