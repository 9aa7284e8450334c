import { Type, type Static } from 'typebox';
import { IsoDate, NullableString } from '../http/schemas.js';

export const SendTypeSchema = Type.Union([
  Type.Literal('text'),
  Type.Literal('image'),
  Type.Literal('video'),
  Type.Literal('audio'),
  Type.Literal('document'),
  Type.Literal('sticker'),
  Type.Literal('location'),
  Type.Literal('contact'),
]);
export type SendType = Static<typeof SendTypeSchema>;

/** `POST .../chats/{chatId}/messages`. */
export const SendBodySchema = Type.Object(
  {
    message: Type.Optional(Type.String({ maxLength: 65536, description: 'The text, or the caption of a media message' })),
    type: SendTypeSchema,
    media: Type.Optional(
      Type.Object(
        {
          url: Type.Optional(Type.String({ maxLength: 2048, description: 'A public http(s) URL to fetch the file from' })),
          base64: Type.Optional(Type.String({ description: 'The file itself, base64-encoded' })),
          mimetype: Type.Optional(Type.String({ maxLength: 200, pattern: '^[\\w.+-]+/[\\w.+-]+( *; *[\\w.+-]+=[\\w.+-]+)*$', description: 'e.g. image/jpeg, audio/ogg; codecs=opus' })),
          fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
          isVoiceNote: Type.Optional(Type.Boolean({ description: 'An audio sent as a voice note (push-to-talk)' })),
        },
        { additionalProperties: false },
      ),
    ),
    location: Type.Optional(
      Type.Object(
        {
          latitude: Type.Number({ minimum: -90, maximum: 90 }),
          longitude: Type.Number({ minimum: -180, maximum: 180 }),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          address: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
        },
        { additionalProperties: false, description: 'For type "location"' },
      ),
    ),
    contacts: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            phones: Type.Array(Type.String({ minLength: 5, maxLength: 32, pattern: '^\\+?[0-9 ().-]{5,32}$' }), { minItems: 1, maxItems: 10 }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 10, description: 'For type "contact": the cards to share' },
      ),
    ),
    replyTo: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'WhatsApp id of the message to reply to' })),
  },
  // A text needs its `message`, which the schema alone does not say (the service does).
  { additionalProperties: false, examples: [{ type: 'text', message: 'Hello! Your order has shipped.' }] },
);
export type SendInput = Static<typeof SendBodySchema>;

/** What a send answers (docs/api.md §8, seed 000, plus `status`); also what an Idempotency-Key replay returns. */
export const SentSchema = Type.Object({
  id: Type.String(),
  messageId: Type.String(),
  fromMe: Type.Literal(true),
  body: NullableString,
  messageType: SendTypeSchema,
  timestamp: IsoDate,
  chatId: Type.String(),
  status: Type.String(),
});
export type SentView = Static<typeof SentSchema>;
