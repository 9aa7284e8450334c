import type { DeliveryStatus } from '../api/types';

const LABEL: Record<DeliveryStatus, string> = {
  pending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
};

/** ✓ sent, ✓✓ delivered, blue ✓✓ read, 🕓 pending, ⚠ failed. */
export function Ticks({ status }: { status: DeliveryStatus | null }) {
  const s = status ?? 'sent';
  const glyph = s === 'pending' ? '🕓' : s === 'sent' ? '✓' : s === 'failed' ? '⚠' : '✓✓';
  return (
    <span className={`ticks ticks-${s}`} role="img" aria-label={LABEL[s]} title={LABEL[s]} data-status={s}>
      {glyph}
    </span>
  );
}
