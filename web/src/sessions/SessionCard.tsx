import { useEffect, useState, type FormEvent } from 'react';
import { errorText } from '../api/client';
import type { Session } from '../api/types';
import { relative } from '../components/format';
import { StatusPill } from '../components/StatusPill';
import { useToast } from '../components/Toasts';
import { simulatorApi } from '../simulator/api';
import { sessionsApi } from './api';
import { closeReasonText } from './closeReason';
import { useSessions } from './SessionsContext';

const WAITING = new Set(['starting', 'qr']);
const STOPPED = new Set(['closed', 'logged_out', 'failed']);

function HealthMeter({ label, value, max }: { label: string; value: number; max: number }) {
  const pct = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  const tone = value >= max ? 'bad' : value >= Math.ceil(max * 0.8) ? 'warn' : 'ok';
  return (
    <div className="meter">
      <div className="meter-label">
        <span>{label}</span>
        <span>
          {value} / {max}
        </span>
      </div>
      <div className={`meter-bar meter-${tone}`} role="meter" aria-label={`${label} errors`} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value}>
        <span style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export function SessionCard({ session: s, simulator }: { session: Session; simulator: boolean }) {
  const { qr, setQr, reload, patch } = useSessions();
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [qrError, setQrError] = useState<string | null>(null);
  const [phone, setPhone] = useState('+1 555 010 0100');
  const code = qr[s.id];
  const waiting = WAITING.has(s.status);

  // A session waiting for its scan: fetch the current QR once; later ones arrive live.
  useEffect(() => {
    if (!waiting || code) return;
    let live = true;
    sessionsApi
      .qr(s.id)
      .then((q) => live && setQr(s.id, q))
      .catch((err: unknown) => live && setQrError(errorText(err)));
    return () => {
      live = false;
    };
  }, [waiting, code, s.id, setQr]);

  const run = async (what: string, fn: () => Promise<unknown>, done: string) => {
    setBusy(what);
    try {
      await fn();
      toast(done, 'success');
    } catch (err) {
      toast(`${s.displayName}: ${errorText(err)}`, 'error');
    } finally {
      setBusy(null);
      reload();
    }
  };

  /** Closed or failed: start again with the stored credentials. Logged out: a new QR is needed. */
  const start = () =>
    s.status === 'logged_out'
      ? run(
          'connect',
          async () => {
            setQrError(null);
            patch(s.id, { status: 'starting' });
            setQr(s.id, await sessionsApi.qr(s.id));
          },
          `${s.displayName}: scan the QR code to link the phone`,
        )
      : run('connect', () => sessionsApi.restart(s.id), `${s.displayName} is starting`);

  const scan = (e: FormEvent) => {
    e.preventDefault();
    void run('scan', () => simulatorApi.scan(s.id, phone), `${s.displayName}: QR scanned by the simulator`);
  };

  const h = s.health;
  return (
    <article className="card session-card" aria-labelledby={`s-${s.id}`}>
      <header className="card-head">
        <div>
          <h2 id={`s-${s.id}`}>{s.displayName}</h2>
          <p className="muted mono">{s.phoneNumber ?? 'Not linked yet'}</p>
        </div>
        <StatusPill status={s.status} />
      </header>

      {waiting && (
        <section className="qr-box" aria-label={`QR code for ${s.displayName}`}>
          {code ? (
            <img src={code} alt={`QR code to link ${s.displayName}`} width={220} height={220} />
          ) : (
            <div className="qr-placeholder" role="status">
              {qrError ?? 'Preparing the QR code…'}
            </div>
          )}
          <p className="qr-help">
            On the phone: <strong>WhatsApp → Settings → Linked devices → Link a device</strong>, then point the camera at this code. It refreshes by itself.
          </p>
          {simulator && (
            <form className="inline-form sim-scan" onSubmit={scan}>
              <label className="field field-inline">
                <span>Phone number for the simulated scan</span>
                <input value={phone} onChange={(e) => setPhone(e.target.value)} required />
              </label>
              <button type="submit" className="btn btn-sim" disabled={busy !== null}>
                Simulate scan
              </button>
            </form>
          )}
        </section>
      )}

      <section className="health" aria-label={`Health of ${s.displayName}`}>
        <div className="health-head">
          <h3>Health</h3>
          <span className={h.isHealthy ? 'badge badge-ok' : 'badge badge-bad'}>{h.isHealthy ? 'Healthy' : 'Needs attention'}</span>
        </div>
        <HealthMeter label="Bad MAC" value={h.badMacErrors} max={h.maxBadMacErrors} />
        <HealthMeter label="Bad Decrypt" value={h.badDecryptErrors} max={h.maxBadDecryptErrors} />
      </section>

      <dl className="facts">
        <div>
          <dt>Chats</dt>
          <dd>{s._count.chats}</dd>
        </div>
        <div>
          <dt>Messages</dt>
          <dd>{s._count.messages}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd>{s.status === 'connected' ? 'Online now' : relative(s.lastSeen ?? s.lastConnectedAt)}</dd>
        </div>
      </dl>
      {s.lastCloseReason && s.status !== 'connected' && <p className="muted small">Last closed: {closeReasonText(s.lastCloseReason)}</p>}

      <div className="actions">
        {STOPPED.has(s.status) && (
          <button type="button" className="btn btn-primary btn-sm" disabled={busy !== null} onClick={() => void start()} aria-label={`${s.status === 'logged_out' ? 'Link' : 'Start'} ${s.displayName}`}>
            {s.status === 'logged_out' ? 'Link again (QR)' : 'Start'}
          </button>
        )}
        <button type="button" className="btn btn-sm" disabled={busy !== null} onClick={() => void run('restart', () => sessionsApi.restart(s.id), `${s.displayName} restarted`)} aria-label={`Restart ${s.displayName}`}>
          Restart
        </button>
        <button
          type="button"
          className="btn btn-sm"
          disabled={busy !== null || STOPPED.has(s.status)}
          onClick={() => void run('close', () => sessionsApi.close(s.id), `${s.displayName} closed`)}
          aria-label={`Close ${s.displayName}`}
        >
          Close
        </button>
        <button
          type="button"
          className="btn btn-sm"
          disabled={busy !== null || s.status === 'logged_out'}
          onClick={() => void run('disconnect', () => sessionsApi.disconnect(s.id), `${s.displayName} logged out of WhatsApp`)}
          aria-label={`Disconnect (log out) ${s.displayName}`}
        >
          Log out
        </button>
        {confirmDelete ? (
          <span className="confirm" role="group" aria-label={`Confirm deleting ${s.displayName}`}>
            <span>Delete with all chats?</span>
            <button type="button" className="btn btn-danger btn-sm" disabled={busy !== null} onClick={() => void run('delete', () => sessionsApi.remove(s.id), `${s.displayName} deleted`)}>
              Delete
            </button>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => setConfirmDelete(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" className="btn btn-ghost btn-sm danger-text" onClick={() => setConfirmDelete(true)} aria-label={`Delete ${s.displayName}`}>
            Delete
          </button>
        )}
      </div>
    </article>
  );
}
