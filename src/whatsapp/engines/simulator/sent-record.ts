import { createHash } from 'node:crypto';
import type { OutgoingContent } from '../../engine.js';
import type { SimSentRecord } from '../../simulator-control.js';

/** What the simulated contact received of one of our messages; for a file, its hash as the contact has it. */
export function sentRecord(messageId: string, to: string, content: OutgoingContent, at: Date): SimSentRecord {
  return {
    kind: 'message',
    messageId,
    to,
    body: content.type === 'text' ? content.text : (content.caption ?? null),
    messageType: content.type,
    ...(content.type !== 'text' && {
      media: {
        sha256: createHash('sha256').update(content.data).digest('hex'),
        sizeBytes: content.data.length,
        mimetype: content.mimetype,
        ...(content.fileName && { fileName: content.fileName }),
        ...(content.isVoiceNote && { isVoiceNote: true }),
      },
    }),
    at: at.toISOString(),
  };
}
