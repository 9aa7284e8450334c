/**
 * What a contact sends is stored whatever it contains. PostgreSQL text and jsonb cannot hold
 * U+0000, so it becomes U+FFFD (the replacement character): visible, never a reason to drop.
 */
export const storable = (text: string): string => (text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text);

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
