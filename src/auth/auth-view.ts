import { Type, type Static } from 'typebox';
import { IsoDate } from '../http/schemas.js';
import { UserSchema } from '../users/user-view.js';

export const CompanySchema = Type.Object({ id: Type.String(), name: Type.String(), createdAt: IsoDate });
export type CompanyView = Static<typeof CompanySchema>;

export const TokenPairSchema = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer({ description: 'Access token lifetime in seconds' }),
  user: UserSchema,
});
export type TokenPair = Static<typeof TokenPairSchema>;
