import { Type, type Static } from 'typebox';
import { iso, NullableDate, NullableString } from '../http/schemas.js';
import { PermissionSchema, type Permission } from '../managers/permission.js';
import type { HealthStats } from './health.js';
import type { SessionListRow, SessionRow } from './sessions.repository.js';

/** docs/api.md's session states; literals spelled out so `Static<>` is the exact union. */
export const SessionStatusSchema = Type.Union([
  Type.Literal('starting'),
  Type.Literal('qr'),
  Type.Literal('connecting'),
  Type.Literal('connected'),
  Type.Literal('reconnecting'),
  Type.Literal('closed'),
  Type.Literal('logged_out'),
  Type.Literal('failed'),
]);
export type SessionStatus = Static<typeof SessionStatusSchema>;

export const HealthSchema = Type.Object({
  badMacErrors: Type.Integer(),
  badDecryptErrors: Type.Integer(),
  maxBadMacErrors: Type.Integer(),
  maxBadDecryptErrors: Type.Integer(),
  isHealthy: Type.Boolean(),
});

export const SessionSchema = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  phoneNumber: NullableString,
  isActive: Type.Boolean(),
  isConnected: Type.Boolean(),
  lastSeen: NullableDate,
  admin: Type.Union([Type.Object({ firstName: Type.String(), lastName: Type.String(), email: Type.String() }), Type.Null()]),
  _count: Type.Object({ chats: Type.Integer(), messages: Type.Integer(), mediaBytes: Type.Integer({ description: 'Bytes of the stored files of its messages' }) }),
  status: SessionStatusSchema,
  health: HealthSchema,
  /** What the caller may do here (beyond the seed): `["read","write"]` for admins, a manager's grant. */
  permissions: Type.Array(PermissionSchema),
  lastConnectedAt: NullableDate,
  lastCloseReason: NullableString,
  lastCloseAt: NullableDate,
  createdAt: Type.String({ format: 'date-time' }),
});

export const CreatedSessionSchema = Type.Object({
  sessionId: Type.String(),
  displayName: Type.String(),
  companyId: Type.String(),
  adminId: NullableString,
  isActive: Type.Boolean(),
  isConnected: Type.Boolean(),
  qrCode: NullableString,
  createdAt: Type.String({ format: 'date-time' }),
});

export const toSessionView = (row: SessionListRow, health: HealthStats, permissions: Permission[]) => ({
  id: row.id,
  displayName: row.displayName,
  phoneNumber: row.phoneNumber,
  isActive: row.isActive,
  isConnected: row.status === 'connected',
  lastSeen: iso(row.lastSeen),
  admin: row.admin,
  _count: { chats: row.individualChats + row.groupChats + row.statusChats, messages: row.messageCount, mediaBytes: row.mediaBytes },
  status: row.status,
  health,
  permissions,
  lastConnectedAt: iso(row.lastConnectedAt),
  lastCloseReason: row.lastCloseReason,
  lastCloseAt: iso(row.lastCloseAt),
  createdAt: row.createdAt.toISOString(),
});

export const toCreatedSession = (row: SessionRow) => ({
  sessionId: row.id,
  displayName: row.displayName,
  companyId: row.companyId,
  adminId: row.adminId,
  isActive: row.isActive,
  isConnected: row.status === 'connected',
  qrCode: null,
  createdAt: row.createdAt.toISOString(),
});
