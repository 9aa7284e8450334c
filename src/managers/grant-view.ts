import { Type, type Static } from 'typebox';
import { IsoDate } from '../http/schemas.js';
import { PermissionSchema } from './permission.js';

export const PermissionsSchema = Type.Array(PermissionSchema, { minItems: 1, maxItems: 2, uniqueItems: true });

export const GrantSchema = Type.Object({
  id: Type.String(),
  managerId: Type.String(),
  sessionId: Type.String(),
  permissions: PermissionsSchema,
  grantedAt: IsoDate,
});
export type GrantView = Static<typeof GrantSchema>;

export const GrantListItemSchema = Type.Object({
  id: Type.String(),
  manager: Type.Object({ id: Type.String(), firstName: Type.String(), lastName: Type.String(), email: Type.String() }),
  permissions: PermissionsSchema,
  grantedAt: IsoDate,
});
export type GrantListItem = Static<typeof GrantListItemSchema>;
