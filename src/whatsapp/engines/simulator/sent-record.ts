import { createHash } from 'node:crypto';
import type { OutgoingContent } from '../../engine.js';
import type { SimSentRecord } from '../../simulator-control.js';
import { contactCard } from '../../vcard.js';

/** What the simulated contact received of one of our messages; for a file, its hash as the contact has it. */
export function sentRecord(messageId: string, to: string, content: OutgoingContent, at: Date): SimSentRecord {
  return {
    kind: 'message',
    messageId,
    to,
    body: content.type === 'text' ? content.text : 'caption' in content ? (content.caption ?? null) : null,
    messageType: content.type,
    ...(content.type === 'location' && { location: { latitude: content.latitude, longitude: content.longitude, ...(content.name && { name: content.name }), ...(content.address && { address: content.address }) } }),
    ...(content.type === 'contact' && { contacts: content.contacts.map((c) => ({ name: c.name, phones: contactCard(c).phones })) }),
    ...('data' in content && {
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
