/**
 * The simulator control API (API.md): plays WhatsApp and the contacts for a session. Exists only
 * with WHATSAPP_ENGINE=simulator, or with the Baileys engine on the loopback test server.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AuthHooks } from '../http/auth-hooks.js';
import { caller } from '../http/auth-hooks.js';
import { errorResponses, ok, RowId } from '../http/schemas.js';
import type { AccessPolicy } from '../managers/access-policy.js';
import { ConflictError, ValidationError } from '../shared/errors.js';
import { EngineSendError } from './engine.js';
import { InvalidJidError } from './jid.js';
import type { SessionRegistry } from './registry.js';
import type { SimInbound, SimulatorControl, SimulatorControls } from './simulator-control.js';

const Params = Type.Object({ sessionId: RowId });
const Phone = Type.String({ minLength: 3, maxLength: 64 });
const Done = Type.Object({ success: Type.Literal(true), message: Type.String() });

export function registerSimulatorRoutes(
  app: FastifyInstance,
  deps: { hooks: AuthHooks; policy: AccessPolicy; registry: SessionRegistry; controls: SimulatorControls },
): void {
  const common = { tags: ['simulator'], security: [{ bearerAuth: [] }] };
  const base = '/api/simulator/sessions/:sessionId';

  const control = async (request: { params: unknown; auth?: unknown }, fn: (c: SimulatorControl) => Promise<unknown>) => {
    const { sessionId } = request.params as { sessionId: string };
    const session = await deps.policy.session(caller(request as never), sessionId, 'admin');
    const sim = deps.registry.isRunning(session.id) ? deps.controls.of(session.id) : undefined;
    if (!sim) throw new ConflictError('The session is not running; start it first', 'session_not_running');
    try {
      return await fn(sim);
    } catch (err) {
      if (err instanceof InvalidJidError) throw new ValidationError(err.message);
      if (err instanceof EngineSendError) throw new ConflictError(err.message, `simulator_${err.kind}`);
      throw err;
    }
  };

  const action = (path: string, summary: string, body: ReturnType<typeof Type.Object>, run: (c: SimulatorControl, b: never) => Promise<unknown>) =>
    app.post(`${base}/${path}`, {
      onRequest: deps.hooks.requireAdmin,
      schema: { ...common, summary, params: Params, body, response: { 200: Done, ...errorResponses(400, 401, 403, 404, 409) } },
      handler: async (request) => {
        await control(request, (c) => run(c, request.body as never));
        return { success: true, message: 'Done' };
      },
    });

  action('scan', 'The pending QR is scanned: the session connects as this number', Type.Object({ phoneNumber: Phone }, { additionalProperties: false }), (c, b: { phoneNumber: string }) =>
    c.scan(b.phoneNumber),
  );

  app.post(`${base}/inbound`, {
    onRequest: deps.hooks.requireAdmin,
    schema: {
      ...common,
      summary: 'A contact sends a message (to a group with groupId; a status post with status: true)',
      params: Params,
      body: Type.Object(
        {
          from: Phone,
          fromName: Type.Optional(Type.String({ maxLength: 200 })),
          body: Type.String({ maxLength: 65536 }),
          type: Type.Optional(Type.Literal('text')),
          messageId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' })),
          timestamp: Type.Optional(Type.String({ format: 'date-time' })),
          groupId: Type.Optional(Phone),
          groupName: Type.Optional(Type.String({ maxLength: 200 })),
          status: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      response: { 200: ok(Type.Object({ messageId: Type.String() })), ...errorResponses(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const b = request.body as Omit<SimInbound, 'timestamp'> & { timestamp?: string };
      const data = await control(request, (c) => c.inbound({ ...b, timestamp: b.timestamp ? new Date(b.timestamp) : undefined }));
      return { success: true, data };
    },
  });

  action(
    'typing',
    'A contact starts or stops typing',
    Type.Object({ chatId: Phone, isTyping: Type.Boolean(), participantId: Type.Optional(Phone) }, { additionalProperties: false }),
    (c, b: { chatId: string; isTyping: boolean; participantId?: string }) => c.typing(b),
  );
  action(
    'receipts',
    'A delivery or read receipt for one of our sent messages',
    Type.Object({ messageId: Type.String({ minLength: 1, maxLength: 128 }), status: Type.Union([Type.Literal('delivered'), Type.Literal('read')]) }, { additionalProperties: false }),
    (c, b: { messageId: string; status: 'delivered' | 'read' }) => c.receipt(b),
  );
  action(
    'decrypt-errors',
    'The engine reports decrypt failures (Bad MAC / Bad Decrypt) from a contact',
    Type.Object(
      { kind: Type.Union([Type.Literal('bad_mac'), Type.Literal('bad_decrypt')]), from: Phone, count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) },
      { additionalProperties: false },
    ),
    (c, b: { kind: 'bad_mac' | 'bad_decrypt'; from: string; count?: number }) => c.decryptErrors({ ...b, count: b.count ?? 1 }),
  );
  action(
    'connection-loss',
    'The connection drops; the session reacts as it would for real',
    Type.Object({ reason: Type.Union([Type.Literal('connection_lost'), Type.Literal('logged_out'), Type.Literal('replaced')]) }, { additionalProperties: false }),
    (c, b: { reason: 'connection_lost' | 'logged_out' | 'replaced' }) => c.connectionLoss(b.reason),
  );
  action(
    'send-failures',
    'The next `count` sends fail that way',
    Type.Object(
      {
        errorType: Type.Union([Type.Literal('rate_limit'), Type.Literal('network'), Type.Literal('not_on_whatsapp')]),
        count: Type.Integer({ minimum: 1, maximum: 1000 }),
      },
      { additionalProperties: false },
    ),
    (c, b: { errorType: 'rate_limit' | 'network' | 'not_on_whatsapp'; count: number }) => c.sendFailures(b),
  );

  app.get(`${base}/sent`, {
    onRequest: deps.hooks.requireAdmin,
    schema: { ...common, summary: 'What the session sent to WhatsApp: messages, read receipts, presence, in order', params: Params, response: { ...errorResponses(401, 403, 404, 409) } },
    handler: async (request) => ({ success: true, data: await control(request, (c) => c.sent()) }),
  });
}
