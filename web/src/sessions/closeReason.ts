/** The server's close reasons (docs/api.md, `whatsapp:session-disconnected`) in words; free-text reasons pass through. */
const REASONS: Record<string, string> = {
  client_logout: 'logged out from the dashboard',
  logged_out: 'the phone unlinked this device',
  connection_lost: 'the connection was lost',
  replaced: 'another WhatsApp Web session took over',
  closed: 'closed',
  bad_mac_threshold: 'too many Bad MAC errors (closed to protect the encryption keys)',
  bad_decrypt_threshold: 'too many Bad Decrypt errors (closed to protect the encryption keys)',
  qr_expired: 'the QR code was not scanned in time',
  forbidden: 'WhatsApp refused the connection',
  failed: 'gave up reconnecting',
};

export const closeReasonText = (reason: string): string => REASONS[reason] ?? reason;
