import { Type, type Static } from 'typebox';
import type { UserRow } from './users.repository.js';

export const RoleSchema = Type.Union([Type.Literal('manager'), Type.Literal('admin')]);

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    companyId: Type.String(),
    email: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    role: RoleSchema,
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
);

export type UserView = Static<typeof UserSchema>;

/** The public shape of a user: never the password hash. */
export const toUserView = (u: UserRow): UserView => ({
  id: u.id,
  companyId: u.companyId,
  email: u.email,
  firstName: u.firstName,
  lastName: u.lastName,
  role: u.role,
  createdAt: u.createdAt.toISOString(),
});
