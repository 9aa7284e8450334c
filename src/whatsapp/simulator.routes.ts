/**
 * The simulator control API (docs/api.md): plays WhatsApp and the contacts for a session. Exists only
 * with WHATSAPP_ENGINE=simulator, or with the Baileys engine on the loopback test server.
 */
import { Type, type TObject } from 'typebox';
import type { AccessClaims } from '../auth/tokens.js';
import { caller } from '../http/auth-hooks.js';
import { CONTACT_CONTENT } from '../http/validation.js';
import type { HttpApp } from '../http/http-app.js';
import { errorResponses, ok, okData, OkMessage, okText, RowId } from '../http/schemas.js';
import type { AccessPolicy } from '../managers/access-policy.js';
import { EngineSendError } from './engine.js';
import { toHttpError } from './engine-errors.js';
import { InvalidJidError } from './jid.js';
import type { SessionRegistry } from './registry.js';
import type { SimInbound, SimulatorControl, SimulatorControls } from './simulator-control.js';
import { ValidationError } from '../shared/errors.js';
import { whatsappErrors } from './whatsapp.errors.js';

const Params = Type.Object({ sessionId: RowId });
/** A phone number written any usual way, or a WhatsApp id (jid.ts reads both). */
const WhatsAppId = Type.String({
  minLength: 5,
  maxLength: 80,
  pattern: '^(\\+?[0-9 ().-]{5,32}|[A-Za-z0-9_.:-]{1,64}@(c\\.us|s\\.whatsapp\\.net|g\\.us|lid|broadcast))$',
  description: 'A phone number with country code (+7 707 985 63 39) or a WhatsApp id (77079856339@c.us, …@g.us, …@lid)',
});
const Phone = Type.String({ minLength: 5, maxLength: 32, pattern: '^\\+?[0-9 ().-]{5,32}$', description: 'A phone number with country code' });
const common = { tags: ['simulator'], security: [{ bearerAuth: [] }], 'x-access': 'admin' as const };

/** The schema of an action answering `Done`; built per route so each body keeps its own static type. */
const actionSchema = <B extends TObject>(summary: string, body: B) => ({
  ...common,
  summary,
  params: Params,
  body,
  response: { 200: OkMessage, ...errorResponses(400, 401, 403, 404, 409, 503) },
});

export function registerSimulatorRoutes(
  app: HttpApp,
  deps: { policy: AccessPolicy; registry: SessionRegistry; controls: SimulatorControls; mediaBodyLimitBytes: number },
): void {
  const base = '/api/simulator/sessions/:sessionId';

  const control = async <T>(claims: AccessClaims, sessionId: string, fn: (c: SimulatorControl) => Promise<T>): Promise<T> => {
    const session = await deps.policy.scope(claims, sessionId, 'admin');
    const sim = deps.registry.isRunning(session.id) ? deps.controls.of(session.id) : undefined;
    if (!sim) throw whatsappErrors.session_not_running();
    try {
      return await fn(sim);
    } catch (err) {
      // Anything else is our own failure (a 500), not the simulated WhatsApp's.
      if (err instanceof EngineSendError || err instanceof InvalidJidError) throw toHttpError(err, 'simulator');
      throw err;
    }
  };
  const act = async (claims: AccessClaims, sessionId: string, fn: (c: SimulatorControl) => Promise<unknown>) => {
    await control(claims, sessionId, fn);
    return okText('Done');
  };

  app.post(`${base}/scan`, {
    schema: actionSchema('The pending QR is scanned: the session connects as this number', Type.Object({ phoneNumber: Phone }, { additionalProperties: false })),
    handler: async (request) => act(caller(request), request.params.sessionId, (c) => c.scan(request.body.phoneNumber)),
  });

  app.post(`${base}/inbound`, {
    // A contact's file comes inline (base64), as large as a sent one may be.
    bodyLimit: deps.mediaBodyLimitBytes,
    schema: {
      ...common,
      summary: 'A contact sends a message (to a group with groupId; a status post with status: true)',
      params: Params,
      body: Type.Object(
        {
          from: WhatsAppId,
          fromName: Type.Optional(Type.String({ maxLength: 200 })),
          body: Type.Optional(Type.String({ maxLength: 65536, description: 'The text; required for a text message' })),
          type: Type.Optional(
            Type.Union(['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contact'].map((k) => Type.Literal(k as SimInbound['type'] & string))),
          ),
          media: Type.Optional(
            Type.Object(
              {
                base64: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9+/=\\r\\n]+$', description: 'The file the contact sends' }),
                mimetype: Type.String({ minLength: 3, maxLength: 200, pattern: '^[\\w.+-]+/[\\w.+-]+(;.*)?$' }),
                fileName: Type.Optional(Type.String({ maxLength: 255 })),
                caption: Type.Optional(Type.String({ maxLength: 65536 })),
                isVoiceNote: Type.Optional(Type.Boolean()),
              },
              { additionalProperties: false },
            ),
          ),
          location: Type.Optional(
            Type.Object(
              {
                latitude: Type.Number({ minimum: -90, maximum: 90 }),
                longitude: Type.Number({ minimum: -180, maximum: 180 }),
                name: Type.Optional(Type.String({ maxLength: 200 })),
                address: Type.Optional(Type.String({ maxLength: 500 })),
              },
              { additionalProperties: false },
            ),
          ),
          contacts: Type.Optional(
            Type.Array(Type.Object({ name: Type.String({ maxLength: 200 }), phones: Type.Array(Phone, { maxItems: 10 }) }, { additionalProperties: false }), {
              minItems: 1,
              maxItems: 10,
            }),
          ),
          messageId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' })),
          timestamp: Type.Optional(Type.String({ format: 'date-time' })),
          groupId: Type.Optional(WhatsAppId),
          groupName: Type.Optional(Type.String({ maxLength: 200 })),
          status: Type.Optional(Type.Boolean()),
        },
        // What a contact writes is stored whatever it contains, NUL included (validation.ts).
        // A text needs its `body`, a file its `media`, which the schema alone does not say (the handler does).
        { additionalProperties: false, [CONTACT_CONTENT]: true, examples: [{ from: '+7 701 222 33 44', body: 'Здравствуйте! Where is my order?' }] },
      ),
      response: { 200: ok(Type.Object({ messageId: Type.String() })), ...errorResponses(400, 401, 403, 404, 409, 503) },
    },
    handler: async (request) => {
      const { body, timestamp, ...b } = request.body;
      const isText = b.type === undefined || b.type === 'text';
      const isMedia = !isText && b.type !== 'location' && b.type !== 'contact';
      if (isMedia && !b.media) throw ValidationError.field('media', `a ${b.type} needs media`);
      if (!isMedia && b.media) throw ValidationError.field('media', 'is only for image, video, audio, document and sticker');
      if (b.type === 'location' && !b.location) throw ValidationError.field('location', 'is required for a location');
      if (b.type === 'contact' && !b.contacts) throw ValidationError.field('contacts', 'is required for a contact message');
      if (isText && body === undefined) throw ValidationError.field('body', 'is required for a text message');
      const inbound: SimInbound = { ...b, body: body ?? '', ...(timestamp && { timestamp: new Date(timestamp) }) };
      return okData(await control(caller(request), request.params.sessionId, (c) => c.inbound(inbound)));
    },
  });

  app.post(`${base}/typing`, {
    schema: actionSchema(
      'A contact starts or stops typing',
      Type.Object({ chatId: WhatsAppId, isTyping: Type.Boolean(), participantId: Type.Optional(WhatsAppId) }, { additionalProperties: false }),
    ),
    handler: async (request) => act(caller(request), request.params.sessionId, (c) => c.typing(request.body)),
  });

  app.post(`${base}/receipts`, {
    schema: actionSchema(
      'A delivery or read receipt for one of our sent messages',
      Type.Object(
        { messageId: Type.String({ minLength: 1, maxLength: 128 }), status: Type.Union([Type.Literal('delivered'), Type.Literal('read')]) },
        { additionalProperties: false },
      ),
    ),
    handler: async (request) => act(caller(request), request.params.sessionId, (c) => c.receipt(request.body)),
  });

  app.post(`${base}/decrypt-errors`, {
    schema: actionSchema(
      'The engine reports decrypt failures (Bad MAC / Bad Decrypt) from a contact',
      Type.Object(
        { kind: Type.Union([Type.Literal('bad_mac'), Type.Literal('bad_decrypt')]), from: WhatsAppId, count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) },
        { additionalProperties: false },
      ),
    ),
    handler: async (request) => act(caller(request), request.params.sessionId, (c) => c.decryptErrors({ ...request.body, count: request.body.count ?? 1 })),
  });

  app.post(`${base}/connection-loss`, {
    schema: actionSchema(
      'The connection drops; the session reacts as it would for real',
      Type.Object({ reason: Type.Union([Type.Literal('connection_lost'), Type.Literal('logged_out'), Type.Literal('replaced')]) }, { additionalProperties: false }),
    ),
    handler: async (request) => act(caller(request), request.params.sessionId, (c) => c.connectionLoss(request.body.reason)),
  });

  app.post(`${base}/send-failures`, {
    schema: actionSchema(
      'The next `count` sends fail that way',
      Type.Object(
        {
          errorType: Type.Union([Type.Literal('rate_limit'), Type.Literal('network'), Type.Literal('not_on_whatsapp')]),
          count: Type.Integer({ minimum: 1, maximum: 1000 }),
        },
        { additionalProperties: false },
      ),
    ),
    handler: async (request) => act(caller(request), request.params.sessionId, (c) => c.sendFailures(request.body)),
  });

  app.post(`${base}/media-expiry`, {
    schema: actionSchema(
      "WhatsApp's media host forgets the file of a message a contact sent; with reupload the phone still has it and uploads it again when asked",
      Type.Object({ messageId: Type.String({ minLength: 1, maxLength: 128 }), reupload: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    ),
    handler: async (request) =>
      act(caller(request), request.params.sessionId, (c) => c.expireMedia({ messageId: request.body.messageId, reupload: request.body.reupload ?? false })),
  });

  const Target = { messageId: Type.String({ minLength: 1, maxLength: 128 }), from: WhatsAppId };
  app.post(`${base}/reaction`, {
    schema: actionSchema(
      'A contact reacts to a message ("" removes its reaction)',
      Type.Object({ ...Target, emoji: Type.String({ maxLength: 32 }) }, { additionalProperties: false, [CONTACT_CONTENT]: true }),
    ),
    handler: async (request) => act(caller(request), request.params.sessionId, (c) => c.reaction(request.body)),
  });
  app.post(`${base}/edit`, {
    schema: actionSchema('A contact edits one of its messages', Type.Object({ ...Target, body: Type.String({ maxLength: 65536 }) }, { additionalProperties: false, [CONTACT_CONTENT]: true })),
    handler: async (request) => act(caller(request), request.params.sessionId, (c) => c.edit(request.body)),
  });
  app.post(`${base}/revoke`, {
    schema: actionSchema('A contact deletes one of its messages for everyone', Type.Object(Target, { additionalProperties: false })),
    handler: async (request) => act(caller(request), request.params.sessionId, (c) => c.revoke(request.body)),
  });

  app.post(`${base}/media-outage`, {
    schema: actionSchema(
      "WhatsApp's media hosts fail every download (HTTP 503) until `down: false`: received files wait and are retried",
      Type.Object({ down: Type.Boolean() }, { additionalProperties: false }),
    ),
    handler: async (request) => act(caller(request), request.params.sessionId, (c) => c.mediaOutage({ down: request.body.down })),
  });

  app.get(`${base}/sent`, {
    schema: {
      ...common,
      summary: 'What the session sent to WhatsApp: messages, read receipts, presence, in order',
      params: Params,
      // Records differ by kind (and the test server adds uploads, reactions, edits): kept open.
      response: { 200: ok(Type.Array(Type.Object({ kind: Type.String() }, { additionalProperties: true }))), ...errorResponses(401, 403, 404, 409, 503) },
    },
    handler: async (request) => okData(await control(caller(request), request.params.sessionId, (c) => c.sent())),
  });
}
