/**
 * Why a Socket.IO handshake was refused. The client reads `err.data.code` on `connect_error`;
 * the message stays for people reading logs.
 */
const MESSAGES = {
  missing_token: 'unauthorized: missing token',
  invalid_token: 'unauthorized: invalid access token',
  token_expired: 'unauthorized: access token expired',
  user_not_found: 'unauthorized: user no longer exists',
  internal_error: 'internal error',
} as const;

export type HandshakeErrorCode = keyof typeof MESSAGES;

export interface HandshakeErrorData {
  code: HandshakeErrorCode;
}

/** Socket.IO's ExtendedError: `data` reaches the client along with the message. */
export type HandshakeError = Error & { data: HandshakeErrorData };

export function handshakeError(code: HandshakeErrorCode): HandshakeError {
  return Object.assign(new Error(MESSAGES[code]), { data: { code } });
}
