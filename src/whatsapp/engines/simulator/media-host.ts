/**
 * The simulator's stand-in for WhatsApp's media hosts: files contacts send are kept on disk (so a
 * download still pending at a restart finds them, as it would on WhatsApp), by a random id. A file
 * can expire; when the phone still has it, asking again brings it back, as a media re-upload does.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { EngineSendError, MediaDownloadError, type MediaInfo, type MediaLocator } from '../../engine.js';
import type { SimMedia, SimMediaKind } from '../../simulator-control.js';
import { SAMPLE_THUMBNAIL_JPEG } from './sample-thumbnail.js';

export class SimulatorMediaHost {
  /** While down, every download fails as a media host in trouble would (the queue retries). */
  outage = false;
  /** Files contacts sent in this process: message id → file id. */
  private readonly byMessage = new Map<string, string>();

  constructor(private readonly dir: string) {}

  private file(id: string, state: 'live' | 'expired' | 'gone'): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new MediaDownloadError('unavailable', 'Not a file of this host');
    return path.join(this.dir, state === 'live' ? id : `${id}.${state}`);
  }

  /** Hosts the bytes a contact sends; returns the id and the hex sha256 the message announces. */
  async host(data: Buffer): Promise<{ id: string; sha256: string }> {
    await fs.mkdir(this.dir, { recursive: true });
    const id = randomUUID();
    await fs.writeFile(this.file(id, 'live'), data);
    return { id, sha256: createHash('sha256').update(data).digest('hex') };
  }

  /** What a contact's phone uploads and announces for a file: its hash, size, and a preview for photos and videos. */
  async receive(messageId: string, kind: SimMediaKind, m: SimMedia): Promise<MediaInfo> {
    const data = Buffer.from(m.base64, 'base64');
    const { id, sha256 } = await this.host(data);
    this.byMessage.set(messageId, id);
    return {
      mimetype: m.mimetype,
      ...(m.fileName && { fileName: m.fileName }),
      ...(m.caption && { caption: m.caption }),
      sizeBytes: data.length,
      sha256,
      ...(kind === 'audio' && m.isVoiceNote && { isVoiceNote: true }),
      ...((kind === 'image' || kind === 'video') && { thumbnail: SAMPLE_THUMBNAIL_JPEG }),
      locator: { host: 'simulator', id },
    };
  }

  download(locator: MediaLocator, maxBytes: number): Promise<Readable> {
    if (locator.host !== 'simulator' || typeof locator.id !== 'string') throw new MediaDownloadError('unavailable', 'Not a file of the simulator');
    return this.open(locator.id, maxBytes);
  }

  async expireMessage(messageId: string, reupload: boolean): Promise<void> {
    const id = this.byMessage.get(messageId);
    if (!id) throw new EngineSendError('unknown', `No file of message ${messageId} was sent to this session`);
    await this.expire(id, reupload);
  }

  /** The host forgets the file; with `reupload` the phone still has it and uploads it when asked. */
  async expire(id: string, reupload: boolean): Promise<void> {
    await fs.rename(this.file(id, 'live'), this.file(id, reupload ? 'expired' : 'gone'));
  }

  async open(id: string, maxBytes: number): Promise<Readable> {
    if (this.outage) throw new MediaDownloadError('unavailable', 'The media host answered HTTP 503');
    const live = this.file(id, 'live');
    const stat = await fs.stat(live).catch(() => null);
    if (!stat) {
      // The media retry: the phone uploads the file again when it still has it.
      const reuploaded = await fs.rename(this.file(id, 'expired'), live).then(
        () => true,
        () => false,
      );
      if (!reuploaded) throw new MediaDownloadError('expired', 'WhatsApp no longer has this file and the phone cannot send it again');
      return this.open(id, maxBytes);
    }
    if (stat.size > maxBytes) throw new MediaDownloadError('too_large', `The file is larger than ${maxBytes} bytes`);
    return createReadStream(live);
  }
}
