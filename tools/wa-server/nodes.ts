/** Small helpers over Baileys' BinaryNode for building and reading stanzas. */
import { randomBytes } from 'node:crypto';
import { S_WHATSAPP_NET, type BinaryNode } from 'baileys';

export const node = (tag: string, attrs: Record<string, string | undefined> = {}, content?: BinaryNode['content']): BinaryNode => {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) clean[k] = v;
  return content === undefined ? { tag, attrs: clean } : { tag, attrs: clean, content };
};

export const children = (n: BinaryNode | undefined, tag?: string): BinaryNode[] =>
  Array.isArray(n?.content) ? n.content.filter((c) => !tag || c.tag === tag) : [];

export const child = (n: BinaryNode | undefined, tag: string): BinaryNode | undefined => children(n, tag)[0];

export const bytes = (n: BinaryNode | undefined): Buffer | undefined =>
  n?.content instanceof Uint8Array ? Buffer.from(n.content) : typeof n?.content === 'string' ? Buffer.from(n.content) : undefined;

export const uintOf = (n: BinaryNode | undefined): number | undefined => {
  const b = bytes(n);
  return b && b.length > 0 && b.length <= 6 ? b.readUIntBE(0, b.length) : undefined;
};

export const bigEndian = (value: number, length: number): Buffer => {
  const b = Buffer.alloc(length);
  b.writeUIntBE(value, 0, length);
  return b;
};

export const iqResult = (request: BinaryNode, content?: BinaryNode[]): BinaryNode =>
  node('iq', { id: request.attrs.id, type: 'result', from: request.attrs.to ?? S_WHATSAPP_NET }, content);

export const iqError = (request: BinaryNode, code: number, text: string): BinaryNode =>
  node('iq', { id: request.attrs.id, type: 'error', from: request.attrs.to ?? S_WHATSAPP_NET }, [node('error', { code: String(code), text })]);

export const unixNow = (): string => String(Math.floor(Date.now() / 1000));

/** Message ids as phones make them: 32 upper-case hex digits. */
export const phoneMessageId = (): string => randomBytes(16).toString('hex').toUpperCase();

export const stanzaId = (): string => `${randomBytes(4).toString('hex')}.${Date.now().toString(36)}`;
