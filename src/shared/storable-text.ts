/**
 * What a contact sends is stored whatever it contains. PostgreSQL text and jsonb cannot hold
 * U+0000, nor half of a surrogate pair (jsonb refuses its escape), so each becomes U+FFFD (the
 * replacement character): visible, never a reason to drop.
 */
const UNSTORABLE = '\\u0000|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const HAS_UNSTORABLE = new RegExp(UNSTORABLE);
const EVERY_UNSTORABLE = new RegExp(UNSTORABLE, 'g');

export const storable = (text: string): string => (HAS_UNSTORABLE.test(text) ? text.replace(EVERY_UNSTORABLE, '\uFFFD') : text);

/**
 * A value as jsonb text. JSON.stringify writes U+0000 and lone surrogates as `\u` escapes, which
 * jsonb refuses: only then are the strings made storable first.
 */
export function storableJsonText(value: unknown): string {
  const json = JSON.stringify(value);
  return /\\u(0000|d[89a-f])/i.test(json) ? JSON.stringify(storableJson(value)) : json;
}

export const storableOrNull = (text: string | null | undefined): string | null => (text == null ? null : storable(text));

/** Every string inside a plain JSON value, made storable. */
export function storableJson<T>(value: T): T {
  if (typeof value === 'string') return storable(value) as T;
  if (Array.isArray(value)) return value.map(storableJson) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storableJson(v)])) as T;
  }
  return value;
}
