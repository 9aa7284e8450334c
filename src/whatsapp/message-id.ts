import { randomBytes } from 'node:crypto';

/** A WhatsApp-style message id (the `3EB0…` form WhatsApp Web clients use). */
export const newWaMessageId = (): string => `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
