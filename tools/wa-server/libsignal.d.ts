/** The part of libsignal 6 (untyped CommonJS) the test server uses. */
declare module 'libsignal' {
  export interface KeyPair {
    pubKey: Buffer;
    privKey: Buffer;
  }
  export class ProtocolAddress {
    constructor(id: string, deviceId: number);
    readonly id: string;
    readonly deviceId: number;
    toString(): string;
  }
  export class SessionRecord {
    static deserialize(data: unknown): SessionRecord;
    serialize(): unknown;
    haveOpenSession(): boolean;
  }
  export interface DeviceBundle {
    identityKey: Buffer;
    registrationId: number;
    signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
    preKey?: { keyId: number; publicKey: Buffer };
  }
  export interface SignalStorage {
    loadSession(id: string): Promise<SessionRecord | undefined>;
    storeSession(id: string, record: SessionRecord): Promise<void>;
    isTrustedIdentity(id: string, identityKey: Buffer): Promise<boolean> | boolean;
    loadPreKey(id: number): Promise<KeyPair | undefined>;
    removePreKey(id: number): Promise<void>;
    loadSignedPreKey(id: number): Promise<KeyPair | undefined>;
    getOurIdentity(): Promise<KeyPair> | KeyPair;
    getOurRegistrationId(): Promise<number> | number;
  }
  export class SessionBuilder {
    constructor(storage: SignalStorage, address: ProtocolAddress);
    initOutgoing(device: DeviceBundle): Promise<void>;
  }
  export class SessionCipher {
    constructor(storage: SignalStorage, address: ProtocolAddress);
    encrypt(data: Buffer): Promise<{ type: number; body: string; registrationId: number }>;
    decryptPreKeyWhisperMessage(data: Buffer): Promise<Buffer>;
    decryptWhisperMessage(data: Buffer): Promise<Buffer>;
  }
  export const keyhelper: {
    generateIdentityKeyPair(): KeyPair;
    generateRegistrationId(): number;
    generateSignedPreKey(identity: KeyPair, keyId: number): { keyId: number; keyPair: KeyPair; signature: Buffer };
    generatePreKey(keyId: number): { keyId: number; keyPair: KeyPair };
  };
}

declare module 'libsignal/src/protobufs.js' {
  interface Codec<T> {
    decode(data: Uint8Array): T;
    encode(value: T): { finish(): Uint8Array };
  }
  export const PreKeyWhisperMessage: Codec<{
    identityKey?: Uint8Array;
    registrationId?: number;
    baseKey?: Uint8Array;
    signedPreKeyId?: number;
    preKeyId?: number;
    message?: Uint8Array;
  }>;
}
