import type { SessionStatus } from '../api/types';

const LABELS: Record<SessionStatus, string> = {
  starting: 'Starting',
  qr: 'Waiting for scan',
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  closed: 'Closed',
  logged_out: 'Logged out',
  failed: 'Failed',
};

const TONES: Record<SessionStatus, string> = {
  starting: 'wait',
  qr: 'wait',
  connecting: 'wait',
  connected: 'ok',
  reconnecting: 'warn',
  closed: 'muted',
  logged_out: 'muted',
  failed: 'bad',
};

export const statusLabel = (s: SessionStatus) => LABELS[s] ?? s;

export function StatusPill({ status }: { status: SessionStatus }) {
  return (
    <span className={`pill pill-${TONES[status] ?? 'muted'}`}>
      <span className="dot" aria-hidden="true" />
      {statusLabel(status)}
    </span>
  );
}
