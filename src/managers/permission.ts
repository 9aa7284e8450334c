import { Type, type Static } from 'typebox';

/** What a manager may do on a session (docs/api.md "Identity and roles"). */
export const PermissionSchema = Type.Union([Type.Literal('read'), Type.Literal('write')]);
export type Permission = Static<typeof PermissionSchema>;
