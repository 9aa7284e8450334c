/**
 * What the server knows, kept across its own restarts when given a file: accounts (a phone number,
 * its LID, its account signing key, its phone's Signal identity, its linked devices with their
 * uploaded keys and undelivered stanzas), the contacts it plays, and groups.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BufferJSON, Curve, type BinaryNode, type KeyPair } from 'baileys';
import { newPartyState, Party, type PartyState, type PublicBundle } from './party.js';

export interface DeviceRecord {
  id: number;
  /** The client's Noise static key: a login must present the same one. */
  noiseKey: Buffer;
  identityKey: Buffer;
  registrationId: number;
  signedPreKey: { keyId: number; public: Buffer; signature: Buffer };
  /** Uploaded one-time pre-keys not handed out yet. */
  preKeys: Record<string, Buffer>;
  platform: string;
  linkedAt: string;
  /** Set until the first login after pairing, when the phone sends the initial history. */
  awaitingHistory: boolean;
  /** Stanzas not yet acknowledged by the device; (re)sent as offline at its next login. */
  pending: BinaryNode[];
}

export interface AccountRecord {
  phone: string;
  lid: string;
  accountKey: KeyPair;
  nextDeviceId: number;
  devices: Record<string, DeviceRecord>;
  phoneParty: PartyState;
}

export interface ContactRecord {
  phone: string;
  lid: string;
  name?: string;
  party: PartyState;
  /** Per group: the devices that already hold this contact's sender key. */
  senderKeySentTo: Record<string, string[]>;
}

export interface GroupRecord {
  jid: string;
  subject: string;
  creator: string;
  participants: string[];
  createdAt: number;
}

interface DirectoryState {
  accounts: Record<string, AccountRecord>;
  contacts: Record<string, ContactRecord>;
  groups: Record<string, GroupRecord>;
}

/** A stable 15-digit LID per phone number, so restarts and both sides agree on it. */
export function lidFor(phone: string): string {
  const n = BigInt(`0x${createHash('sha256').update(`lid:${phone}`).digest('hex').slice(0, 14)}`);
  return (100_000_000_000_000n + (n % 900_000_000_000_000n)).toString();
}

export class Directory {
  private readonly state: DirectoryState;
  private timer: NodeJS.Timeout | undefined;
  private readonly parties = new Map<PartyState, Party>();

  constructor(private readonly file?: string) {
    this.state = file ? load(file) : { accounts: {}, contacts: {}, groups: {} };
  }

  /** Schedules a write; `now` writes at once (pairing must survive an immediate crash). */
  changed(now = false): void {
    if (!this.file) return;
    if (now) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), 20);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, BufferJSON.replacer));
    renameSync(tmp, this.file);
  }

  party(state: PartyState): Party {
    let p = this.parties.get(state);
    if (!p) {
      p = new Party(state, () => this.changed());
      this.parties.set(state, p);
    }
    return p;
  }

  account(phone: string): AccountRecord | undefined {
    return this.state.accounts[phone];
  }

  accounts(): AccountRecord[] {
    return Object.values(this.state.accounts);
  }

  accountByLid(lid: string): AccountRecord | undefined {
    return Object.values(this.state.accounts).find((a) => a.lid === lid);
  }

  ensureAccount(phone: string): AccountRecord {
    this.state.accounts[phone] ??= {
      phone,
      lid: lidFor(phone),
      accountKey: Curve.generateKeyPair(),
      nextDeviceId: 2,
      devices: {},
      phoneParty: newPartyState(),
    };
    return this.state.accounts[phone];
  }

  contact(phone: string): ContactRecord | undefined {
    return this.state.contacts[phone];
  }

  contactByLid(lid: string): ContactRecord | undefined {
    return Object.values(this.state.contacts).find((c) => c.lid === lid);
  }

  /** Every number is on WhatsApp here: an unknown one becomes a contact on first use. */
  ensureContact(phone: string, name?: string): ContactRecord {
    const existing = this.state.contacts[phone];
    if (existing) {
      if (name && existing.name !== name) {
        existing.name = name;
        this.changed();
      }
      return existing;
    }
    const created: ContactRecord = { phone, lid: lidFor(phone), party: newPartyState(), senderKeySentTo: {}, ...(name && { name }) };
    this.state.contacts[phone] = created;
    this.changed();
    return created;
  }

  group(jid: string): GroupRecord | undefined {
    return this.state.groups[jid];
  }

  ensureGroup(jid: string, subject: string | undefined, members: string[]): GroupRecord {
    const g = (this.state.groups[jid] ??= { jid, subject: subject ?? 'Group', creator: members[0]!, participants: [], createdAt: Math.floor(Date.now() / 1000) });
    if (subject) g.subject = subject;
    for (const m of members) if (!g.participants.includes(m)) g.participants.push(m);
    this.changed();
    return g;
  }

  /** A device's bundle for a key fetch; hands out (and forgets) one uploaded one-time pre-key. */
  deviceBundle(device: DeviceRecord): PublicBundle {
    const [keyId] = Object.keys(device.preKeys);
    let preKey: PublicBundle['preKey'];
    if (keyId !== undefined) {
      preKey = { keyId: Number(keyId), public: device.preKeys[keyId]! };
      delete device.preKeys[keyId];
      this.changed();
    }
    return { registrationId: device.registrationId, identity: device.identityKey, signedPreKey: device.signedPreKey, ...(preKey && { preKey }) };
  }
}

function load(file: string): DirectoryState {
  try {
    return JSON.parse(readFileSync(file, 'utf8'), BufferJSON.reviver) as DirectoryState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { accounts: {}, contacts: {}, groups: {} };
    throw err;
  }
}
