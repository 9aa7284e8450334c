/** Shared TypeBox building blocks for the API envelope. */
import { Type, type Static, type TSchema } from 'typebox';

const ErrorResponse = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String(),
    code: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'ErrorResponse', description: 'Error envelope' },
);

export const Pagination = Type.Object({ total: Type.Integer(), page: Type.Integer(), limit: Type.Integer() });

export const ok = <T extends TSchema>(data: T) => Type.Object({ success: Type.Literal(true), data });
export const okList = <T extends TSchema>(item: T) =>
  Type.Object({ success: Type.Literal(true), data: Type.Array(item), pagination: Pagination });
export const OkMessage = Type.Object({ success: Type.Literal(true), message: Type.String() });

/** Reply bodies for the schemas above; `success` stays the literal `true` the schemas promise. */
export const okData = <T>(data: T) => ({ success: true as const, data });
export const okPage = <T>(data: T[], pagination: Static<typeof Pagination>) => ({ success: true as const, data, pagination });
export const okText = (message: string) => ({ success: true as const, message });

export const pageQuery = (defaultLimit: number) => ({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: defaultLimit })),
});

/** Our row ids (cuid style), but any short safe token is accepted so a bad id is a 404, not a 400. */
export const RowId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

export const IsoDate = Type.String({ format: 'date-time' });
export const NullableString = Type.Union([Type.String(), Type.Null()]);
export const NullableDate = Type.Union([IsoDate, Type.Null()]);

/** Standard error responses for the OpenAPI document. */
export const errorResponses = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, ErrorResponse])) as Record<number, typeof ErrorResponse>;

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
