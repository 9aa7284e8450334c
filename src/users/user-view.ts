import { Type } from 'typebox';
import type { UserRow } from './users.repository.js';

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    companyId: Type.String(),
    email: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('manager')]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
);

export interface UserView {
  id: string;
  companyId: string;
  email: string;
  firstName: string;
  lastName: string;
  role: 'admin' | 'manager';
  createdAt: string;
}

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
