/**
 * The responder side of WhatsApp Web's Noise_XX_25519_AESGCM_SHA256 handshake, mirroring
 * Baileys' initiator (lib/Utils/noise-handler.js) step for step: the same transcript hash, the
 * same key mixing and one shared handshake counter that every mix resets.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { Curve, NOISE_MODE, NOISE_WA_HEADER, proto, type KeyPair } from 'baileys';

export type { KeyPair };

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

function gcmEncrypt(plaintext: Uint8Array, key: Uint8Array, iv: Uint8Array, aad: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function gcmDecrypt(ciphertext: Uint8Array, key: Uint8Array, iv: Uint8Array, aad: Uint8Array): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  return Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
}

const ivFor = (counter: number): Buffer => {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
};

function hkdf64(ikm: Uint8Array, salt: Uint8Array): [Buffer, Buffer] {
  const out = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.alloc(0), 64));
  return [out.subarray(0, 32), out.subarray(32)];
}

/** Encrypts and decrypts transport frames once the handshake is done. */
export class TransportCipher {
  private readCounter = 0;
  private writeCounter = 0;
  constructor(
    private readonly encKey: Buffer,
    private readonly decKey: Buffer,
  ) {}
  encrypt(plaintext: Uint8Array): Buffer {
    return gcmEncrypt(plaintext, this.encKey, ivFor(this.writeCounter++), Buffer.alloc(0));
  }
  decrypt(ciphertext: Uint8Array): Buffer {
    return gcmDecrypt(ciphertext, this.decKey, ivFor(this.readCounter++), Buffer.alloc(0));
  }
}

export interface ClientHelloResult {
  serverHello: Buffer;
}

export interface ClientFinishResult {
  clientStaticKey: Buffer;
  payload: proto.ClientPayload;
  transport: TransportCipher;
}

export class NoiseResponder {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private readonly ephemeral: KeyPair = Curve.generateKeyPair();
  private clientEphemeral: Buffer | undefined;

  constructor(
    private readonly staticKey: KeyPair,
    private readonly certificate: Uint8Array,
  ) {
    const mode = Buffer.from(NOISE_MODE);
    this.hash = mode.byteLength === 32 ? mode : sha256(mode);
    this.salt = this.hash;
    this.key = this.hash;
    this.authenticate(NOISE_WA_HEADER);
  }

  private authenticate(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  private mixIntoKey(data: Uint8Array): void {
    const [salt, key] = hkdf64(data, this.salt);
    this.salt = salt;
    this.key = key;
    this.counter = 0;
  }

  private encrypt(plaintext: Uint8Array): Buffer {
    const out = gcmEncrypt(plaintext, this.key, ivFor(this.counter++), this.hash);
    this.authenticate(out);
    return out;
  }

  private decrypt(ciphertext: Uint8Array): Buffer {
    const out = gcmDecrypt(ciphertext, this.key, ivFor(this.counter++), this.hash);
    this.authenticate(ciphertext);
    return out;
  }

  /** ClientHello → ServerHello: our ephemeral key, our static key and the certificate chain, encrypted. */
  onClientHello(frame: Uint8Array): Buffer {
    const hello = proto.HandshakeMessage.decode(frame).clientHello;
    if (!hello?.ephemeral || hello.ephemeral.length !== 32) throw new Error('ClientHello without a 32-byte ephemeral key');
    this.clientEphemeral = Buffer.from(hello.ephemeral);
    this.authenticate(this.clientEphemeral);
    this.authenticate(this.ephemeral.public);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, this.clientEphemeral));
    const encStatic = this.encrypt(this.staticKey.public);
    this.mixIntoKey(Curve.sharedKey(this.staticKey.private, this.clientEphemeral));
    const encPayload = this.encrypt(this.certificate);
    return Buffer.from(
      proto.HandshakeMessage.encode({ serverHello: { ephemeral: this.ephemeral.public, static: encStatic, payload: encPayload } }).finish(),
    );
  }

  /** ClientFinish: the client's static (noise) key and its ClientPayload (login or registration). */
  onClientFinish(frame: Uint8Array): ClientFinishResult {
    const finish = proto.HandshakeMessage.decode(frame).clientFinish;
    if (!finish?.static || !finish.payload) throw new Error('ClientFinish without static key or payload');
    const clientStaticKey = this.decrypt(finish.static);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientStaticKey));
    const payload = proto.ClientPayload.decode(this.decrypt(finish.payload));
    // The initiator writes with the first half and reads with the second; we do the opposite.
    const [clientWrite, clientRead] = hkdf64(Buffer.alloc(0), this.salt);
    return { clientStaticKey, payload, transport: new TransportCipher(clientRead, clientWrite) };
  }
}
