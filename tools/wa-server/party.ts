/**
 * A Signal party played by the server: a contact, or the account's own phone (device 0). It holds
 * a real libsignal identity, signed pre-key and pre-keys, its pairwise sessions with linked
 * devices, and a sender key per group/status chat, so that what it sends is exactly what a real
 * phone would send and what it receives must really decrypt.
 */
import { encodeWAMessage, proto, unpadRandomMax16 } from 'baileys';
import {
  GroupCipher,
  GroupSessionBuilder,
  SenderKeyDistributionMessage,
  SenderKeyMessage,
  SenderKeyName,
  SenderKeyRecord,
} from 'baileys/lib/Signal/Group/index.js';
import { keyhelper, ProtocolAddress, SessionBuilder, SessionCipher, SessionRecord, type DeviceBundle, type KeyPair, type SignalStorage } from 'libsignal';
import { PreKeyWhisperMessage } from 'libsignal/src/protobufs.js';

export interface PartyState {
  identity: KeyPair;
  registrationId: number;
  signedPreKey: { keyId: number; keyPair: KeyPair; signature: Buffer };
  preKeys: Record<string, KeyPair>;
  nextPreKeyId: number;
  sessions: Record<string, unknown>;
  senderKeys: Record<string, string>;
}

export interface PublicBundle {
  registrationId: number;
  /** 32 bytes, without libsignal's 0x05 type prefix (as WhatsApp puts it on the wire). */
  identity: Buffer;
  signedPreKey: { keyId: number; public: Buffer; signature: Buffer };
  preKey?: { keyId: number; public: Buffer };
}

export type Encrypted = { type: 'pkmsg' | 'msg'; ciphertext: Buffer };

const strip = (key: Buffer): Buffer => (key.length === 33 ? key.subarray(1) : key);
const prefixed = (key: Uint8Array): Buffer => (key.length === 33 ? Buffer.from(key) : Buffer.concat([Buffer.from([5]), key]));

export function newPartyState(): PartyState {
  const identity = keyhelper.generateIdentityKeyPair();
  return {
    identity,
    registrationId: keyhelper.generateRegistrationId(),
    signedPreKey: keyhelper.generateSignedPreKey(identity, 1),
    preKeys: {},
    nextPreKeyId: 1,
    sessions: {},
    senderKeys: {},
  };
}

export class Party {
  private readonly storage: SignalStorage;

  /** `onChange` persists the state after every mutation. */
  constructor(
    readonly state: PartyState,
    private readonly onChange: () => void,
  ) {
    this.storage = {
      loadSession: async (id) => (state.sessions[id] ? SessionRecord.deserialize(state.sessions[id]) : undefined),
      storeSession: async (id, record) => {
        state.sessions[id] = record.serialize();
        onChange();
      },
      isTrustedIdentity: () => true,
      loadPreKey: async (id) => state.preKeys[String(id)],
      removePreKey: async (id) => {
        delete state.preKeys[String(id)];
        onChange();
      },
      loadSignedPreKey: async () => state.signedPreKey.keyPair,
      getOurIdentity: () => state.identity,
      getOurRegistrationId: () => state.registrationId,
    };
  }

  /** A bundle as a key fetch returns it; each call hands out a fresh one-time pre-key. */
  bundle(): PublicBundle {
    const keyId = this.state.nextPreKeyId++;
    const preKey = keyhelper.generatePreKey(keyId);
    this.state.preKeys[String(keyId)] = preKey.keyPair;
    this.onChange();
    return {
      registrationId: this.state.registrationId,
      identity: strip(this.state.identity.pubKey),
      signedPreKey: {
        keyId: this.state.signedPreKey.keyId,
        public: strip(this.state.signedPreKey.keyPair.pubKey),
        signature: this.state.signedPreKey.signature,
      },
      preKey: { keyId, public: strip(preKey.keyPair.pubKey) },
    };
  }

  hasSession(peer: string): boolean {
    const raw = this.state.sessions[address(peer).toString()];
    return raw !== undefined && SessionRecord.deserialize(raw).haveOpenSession();
  }

  forgetSession(peer: string): void {
    delete this.state.sessions[address(peer).toString()];
    this.onChange();
  }

  /** Encrypts a message for a peer device, opening a session from its bundle when there is none. */
  async encrypt(peer: string, message: proto.IMessage, peerBundle: () => PublicBundle | undefined): Promise<Encrypted> {
    if (!this.hasSession(peer)) {
      const b = peerBundle();
      if (!b) throw new Error(`no pre-key bundle for ${peer}`);
      await new SessionBuilder(this.storage, address(peer)).initOutgoing(toDeviceBundle(b));
    }
    const out = await new SessionCipher(this.storage, address(peer)).encrypt(Buffer.from(encodeWAMessage(message)));
    return { type: out.type === 3 ? 'pkmsg' : 'msg', ciphertext: Buffer.from(out.body, 'binary') };
  }

  /**
   * A pkmsg whose inner MAC is wrong: built on a throwaway session so ours stays intact. The
   * receiver's libsignal fails in `verifyMAC` with exactly "Bad MAC".
   */
  async badMac(peer: string, message: proto.IMessage, bundle: PublicBundle): Promise<Encrypted> {
    // A shallow copy: the scratch party writes only its own (empty) session map.
    const scratch = new Party({ ...this.state, sessions: {} }, () => undefined);
    const { ciphertext } = await scratch.encrypt(peer, message, () => bundle);
    const pre = PreKeyWhisperMessage.decode(ciphertext.subarray(1));
    const inner = Buffer.from(pre.message!);
    inner[inner.length - 1]! ^= 0xff;
    const body = PreKeyWhisperMessage.encode({ ...pre, message: inner }).finish();
    return { type: 'pkmsg', ciphertext: Buffer.concat([ciphertext.subarray(0, 1), body]) };
  }

  async decrypt(peer: string, type: string, ciphertext: Buffer): Promise<proto.Message> {
    const cipher = new SessionCipher(this.storage, address(peer));
    const padded = type === 'pkmsg' ? await cipher.decryptPreKeyWhisperMessage(ciphertext) : await cipher.decryptWhisperMessage(ciphertext);
    return proto.Message.decode(unpadRandomMax16(padded));
  }

  /** Our sender key in a group: the distribution message (to send pairwise) and the skmsg. */
  async encryptGroup(group: string, self: string, message: proto.IMessage, corrupt = false): Promise<{ skdm: Buffer; skmsg: Buffer }> {
    const name = new SenderKeyName(group, address(self));
    const store = this.senderKeyStore();
    const skdm = await new GroupSessionBuilder(store).create(name);
    const plaintext = Buffer.from(encodeWAMessage(message));
    let skmsg: Buffer = Buffer.from(await new GroupCipher(store, name).encrypt(plaintext));
    if (corrupt) skmsg = await this.corruptSenderKeyMessage(name, skmsg, plaintext.length);
    return { skdm: Buffer.from(skdm.serialize()), skmsg };
  }

  /** Takes a peer's sender key for a group (from its distribution message) and decrypts with it. */
  async receiveSenderKey(group: string, peer: string, skdm: Uint8Array): Promise<void> {
    const message = new SenderKeyDistributionMessage(null, null, null, null, skdm);
    await new GroupSessionBuilder(this.senderKeyStore()).process(new SenderKeyName(group, address(peer)), message);
  }

  async decryptGroup(group: string, peer: string, skmsg: Uint8Array): Promise<proto.Message> {
    const padded = await new GroupCipher(this.senderKeyStore(), new SenderKeyName(group, address(peer))).decrypt(Buffer.from(skmsg));
    return proto.Message.decode(unpadRandomMax16(padded));
  }

  /**
   * Re-signs a sender-key message whose AES-CBC padding no longer checks out: the receiver's
   * decipher fails with OpenSSL's "bad decrypt", which Baileys reports as InvalidMessageException.
   * Flipping the pad byte through the previous ciphertext block makes that certain, not likely.
   */
  private async corruptSenderKeyMessage(name: SenderKeyName, serialized: Buffer, plaintextLength: number): Promise<Buffer> {
    const parsed = new SenderKeyMessage(null, null, null, null, serialized);
    const ciphertext = Buffer.from(parsed.getCipherText());
    if (ciphertext.length < 32) throw new Error('sender-key ciphertext too short to corrupt deterministically');
    const pad = 16 - (plaintextLength % 16);
    ciphertext[ciphertext.length - 17]! ^= pad;
    const state = (await this.senderKeyStore().loadSenderKey(name)).getSenderKeyState();
    if (!state) throw new Error('no sender key state');
    return Buffer.from(new SenderKeyMessage(parsed.getKeyId(), parsed.getIteration(), ciphertext, state.getSigningKeyPrivate()).serialize());
  }

  private senderKeyStore() {
    return {
      loadSenderKey: async (name: SenderKeyName) => {
        const raw = this.state.senderKeys[name.toString()];
        return raw ? SenderKeyRecord.deserialize(Buffer.from(raw, 'utf8')) : new SenderKeyRecord();
      },
      storeSenderKey: async (name: SenderKeyName, record: SenderKeyRecord) => {
        // The same encoding Baileys uses for its own sender-key store.
        this.state.senderKeys[name.toString()] = JSON.stringify(record.serialize());
        this.onChange();
      },
    };
  }
}

/** Peers are named `<user>.<device>`; the name is only ever seen by this party's own store. */
function address(peer: string): ProtocolAddress {
  const dot = peer.lastIndexOf('.');
  return new ProtocolAddress(peer.slice(0, dot), Number(peer.slice(dot + 1)));
}

function toDeviceBundle(b: PublicBundle): DeviceBundle {
  return {
    identityKey: prefixed(b.identity),
    registrationId: b.registrationId,
    signedPreKey: { keyId: b.signedPreKey.keyId, publicKey: prefixed(b.signedPreKey.public), signature: b.signedPreKey.signature },
    ...(b.preKey && { preKey: { keyId: b.preKey.keyId, publicKey: prefixed(b.preKey.public) } }),
  };
}
