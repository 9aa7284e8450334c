import type { Readable } from 'node:stream';
import { create as contentDisposition } from 'content-disposition';
import parseRange from 'range-parser';
import { Type } from 'typebox';
import type { HttpApp } from '../http/http-app.js';
import { errorResponses, RowId } from '../http/schemas.js';
import { mediaErrors } from './media.errors.js';
import type { MediaService } from './media.service.js';

/** Shown in the page only when a browser renders it as media; anything else is offered for download. */
const INLINE = /^(image\/(jpeg|png|gif|webp)|audio\/[\w.+-]+|video\/[\w.+-]+)$/;
/** Types a browser would run or render as a page: whatever a contact claims, they are served as plain bytes. */
const ACTIVE = /html|xml|svg|javascript|ecmascript|^text\//i;

/** `If-None-Match` as browsers send it: a list, weak validators, or `*`. */
const matches = (header: string | undefined, etag: string): boolean =>
  !!header && header.split(',').some((tag) => ['*', etag].includes(tag.trim().replace(/^W\//, '')));

const Bytes = Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The file (or the requested range of it)' });

export function registerMediaRoutes(app: HttpApp, deps: { media: MediaService }): void {
  app.get('/api/whatsapp/sessions/:sessionId/messages/:messageId/media', {
    schema: {
      'x-access': 'session:read+link',
      tags: ['messages'],
      security: [{ bearerAuth: [] }, {}],
      summary: "A message's file (Range supported), or its thumbnail; works without a header through the signed `url` of message views",
      params: Type.Object({
        sessionId: RowId,
        messageId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$', description: 'Our message row id or the WhatsApp id' }),
      }),
      querystring: Type.Object(
        {
          thumbnail: Type.Optional(Type.Boolean({ description: 'The JPEG thumbnail WhatsApp sent instead of the file' })),
          exp: Type.Optional(Type.Integer({ minimum: 0, maximum: 99_999_999_999 })),
          sig: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Bytes, 206: Bytes, 304: Type.Null({ description: 'Not modified (If-None-Match)' }), ...errorResponses(400, 401, 404, 416) },
    },
    handler: async (request, reply) => {
      const { sessionId, messageId } = request.params;
      const { thumbnail = false, exp, sig } = request.query;
      const who = request.auth ? { caller: request.auth } : { link: { exp: exp ?? 0, sig: sig ?? '' } };
      const file = await deps.media.open(who, sessionId, messageId, thumbnail);
      const etag = `"${file.sha256}"`;
      const inline = INLINE.test(file.mimetype);
      void reply
        // What a contact sent is never a page of ours: no scripts, no forms, no same-origin, whatever it claims to be.
        .header('content-security-policy', "sandbox; default-src 'none'; img-src 'self'; media-src 'self'")
        .header('content-type', ACTIVE.test(file.mimetype) ? 'application/octet-stream' : file.mimetype)
        .header('etag', etag)
        .header('accept-ranges', 'bytes')
        // Private: the bytes are one company's; a signed URL must not be kept by shared caches.
        .header('cache-control', 'private, max-age=3600')
        .header('content-disposition', contentDisposition(file.fileName, { type: inline ? 'inline' : 'attachment' }));
      if (matches(request.headers['if-none-match'], etag)) return reply.status(304).send(null);

      const rangeHeader = request.headers.range;
      if (rangeHeader && file.sizeBytes > 0) {
        const ranges = parseRange(file.sizeBytes, rangeHeader, { combine: true });
        if (ranges === -1) {
          void reply.header('content-range', `bytes */${file.sizeBytes}`);
          throw mediaErrors.range_not_satisfiable();
        }
        // A malformed header, or several ranges (multipart answers are not worth it for media), gets the whole file.
        if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
          const { start, end } = ranges[0]!;
          return reply
            .status(206)
            .header('content-range', `bytes ${start}-${end}/${file.sizeBytes}`)
            .header('content-length', end - start + 1)
            .send(file.open({ start, end }));
        }
      }
      return reply.status(200).header('content-length', file.sizeBytes).send(file.open());
    },
  });
}
