/**
 * The operations of the app's own OpenAPI document (/docs/json), and valid requests for them, so
 * the fuzz and authorization tiers cover every route without a case written by hand: a new route
 * joins them by existing.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Access } from '../../src/http/access.js';
import type { TestApp } from './app.js';

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minLength?: number;
  minimum?: number;
  minItems?: number;
  minProperties?: number;
  pattern?: string;
  format?: string;
  example?: unknown;
  examples?: unknown[];
  nullable?: boolean;
  additionalProperties?: boolean | JsonSchema;
}

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** `GET /api/users/{userId}`: how a failure names the operation. */
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** OpenAPI path template, `{param}` style. */
  path: string;
  access: Access;
  pathParams: Parameter[];
  query: Parameter[];
  body?: JsonSchema;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { 'x-access'?: Access; parameters?: Parameter[]; requestBody?: { content: Record<string, MediaType> } }>>;
}

interface MediaType {
  schema: JsonSchema;
  example?: unknown;
}

/** The document puts a body's example beside its schema; the example is where a valid body starts. */
const bodySchema = (media: MediaType | undefined): JsonSchema | undefined =>
  media && (media.example === undefined ? media.schema : { ...media.schema, example: media.example });

export async function loadOperations(t: Pick<TestApp, 'inject'>): Promise<Operation[]> {
  const res = await t.inject({ method: 'GET', url: '/docs/json' });
  if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}`);
  const doc = res.json() as OpenApiDocument;
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const name = `${method.toUpperCase()} ${path}`;
      if (!op['x-access']) throw new Error(`${name} declares no x-access`);
      const params = op.parameters ?? [];
      ops.push({
        name,
        method: method.toUpperCase() as Operation['method'],
        path,
        access: op['x-access'],
        pathParams: params.filter((p) => p.in === 'path'),
        query: params.filter((p) => p.in === 'query'),
        body: bodySchema(op.requestBody?.content['application/json']),
      });
    }
  }
  return ops;
}

/**
 * Operations that end something a later call needs (a session, a user, a grant, a login, the
 * connection): they run after all the others, the deepest path first.
 */
export function isEnding(op: Operation): boolean {
  return op.method === 'DELETE' || /\/(disconnect|close|logout|connection-loss|restart)$/.test(op.path);
}

export function inRunOrder(ops: Operation[]): Operation[] {
  const depth = (op: Operation) => op.path.split('/').length;
  const ending = ops.filter(isEnding).sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE') || depth(b) - depth(a));
  return [...ops.filter((op) => !isEnding(op)), ...ending];
}

/** `segment` returns each path parameter as it goes on the wire (already percent-encoded). */
export function fillPath(op: Operation, segment: (param: string) => string): string {
  return op.path.replace(/\{(\w+)\}/g, (_m, name: string) => segment(name));
}

/** Values for fields whose valid form a schema alone cannot give (a real id, a strong password). */
export type FieldValues = Record<string, () => unknown>;

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);

/**
 * The smallest valid instance of a schema: required properties only, named fixtures first, then
 * the schema's own example, enum or bounds. A schema it cannot satisfy is reported, so a new
 * route's author knows to give the field an example.
 */
export function validInstance(schema: JsonSchema, fields: FieldValues, where: string): unknown {
  const value = instance(schema, fields, undefined);
  if (!ajv.validate(schema, value)) {
    throw new Error(`${where}: cannot build a valid body (${ajv.errorsText()}); give the field an example or a fixture: ${JSON.stringify(value)}`);
  }
  return value;
}

function instance(schema: JsonSchema, fields: FieldValues, name: string | undefined): unknown {
  if (name && fields[name]) return fields[name]();
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.enum?.length) return schema.enum[0];
  if (schema.anyOf?.length) return instance(schema.anyOf[0]!, fields, name);
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const optional = Object.keys(schema.properties ?? {}).filter((key) => !schema.required?.includes(key));
      const keys = [...(schema.required ?? []), ...optional.slice(0, Math.max(0, (schema.minProperties ?? 0) - (schema.required?.length ?? 0)))];
      for (const key of keys) out[key] = instance(schema.properties?.[key] ?? {}, fields, key);
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => instance(schema.items ?? {}, fields, name));
    case 'boolean':
      return true;
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'string':
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'email') return `fixture.${Date.now().toString(36)}@example.com`;
      return 'a'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return {};
  }
}
