/**
 * Two Ajv instances: bodies are validated strictly (no type coercion, unknown fields rejected by
 * the schemas' additionalProperties: false), while query strings and path parameters are coerced
 * from their string form. Errors name the offending field.
 */
import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldProblem } from '../shared/errors.js';

const base: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };

function makeAjv(opts: Options): Ajv {
  const ajv = new Ajv({ ...base, ...opts });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

const bodyAjv = makeAjv({ coerceTypes: false });
const paramsAjv = makeAjv({ coerceTypes: 'array' });

/** The JSON-pointer path of the first string holding U+0000, which no PostgreSQL text or jsonb column can store. */
function nulPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = nulPath(v, `${path}/${k}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

type Validate = ((data: unknown) => boolean) & { errors?: Partial<ErrorObject>[] | null };

/**
 * Marks a body schema as content a contact wrote (the simulator plays contacts): stored whatever it
 * contains, so NUL is let through there and made storable on the way in.
 */
export const CONTACT_CONTENT = 'x-contact-content';

/**
 * Ajv, then one rule no schema states: text that cannot be stored is refused as a 400 naming the
 * field, never left to fail in the database as a 500 (or, worse, half-applied).
 */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : paramsAjv;
  const validate = ajv.compile(schema as object);
  if ((schema as Record<string, unknown>)[CONTACT_CONTENT] === true) return validate as ReturnType<FastifySchemaCompiler<unknown>>;
  const checked: Validate = (data) => {
    if (!validate(data)) {
      checked.errors = validate.errors;
      return false;
    }
    const path = nulPath(data);
    if (path === undefined) {
      checked.errors = null;
      return true;
    }
    checked.errors = [{ instancePath: path, keyword: 'storable', message: 'must not contain the NUL character (U+0000)', params: {} }];
    return false;
  };
  return checked as ReturnType<FastifySchemaCompiler<unknown>>;
};

/** Turns Ajv errors into `{field, message}` pairs, one per field. */
export function describeValidation(errors: readonly Partial<ErrorObject>[], location: string | undefined): FieldProblem[] {
  const seen = new Map<string, string>();
  for (const e of errors) {
    let field = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const params = (e.params ?? {}) as Record<string, unknown>;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
      field = field ? `${field}.${params.missingProperty}` : params.missingProperty;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      field = field ? `${field}.${params.additionalProperty}` : params.additionalProperty;
      message = 'is not an allowed field';
    } else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      message = `must be one of ${params.allowedValues.map(String).join(', ')}`;
    } else if (e.keyword === 'anyOf' || e.keyword === 'const') {
      continue; // the branch errors say more; a union of consts gets its own summary below
    }
    if (!field) field = location ?? 'body';
    if (!seen.has(field)) seen.set(field, message);
  }
  if (seen.size === 0) {
    const constErrors = errors.filter((e) => e.keyword === 'const');
    const first = constErrors[0];
    if (first) {
      const field = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') || (location ?? 'body');
      const allowed = constErrors.map((e) => String((e.params as { allowedValue?: unknown }).allowedValue));
      seen.set(field, `must be one of ${[...new Set(allowed)].join(', ')}`);
    } else {
      seen.set(location ?? 'body', 'is invalid');
    }
  }
  return [...seen].map(([field, message]) => ({ field, message }));
}
