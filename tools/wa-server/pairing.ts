/**
 * Linking a device by QR, as the phone and the server do it together: the server offers refs in
 * `pair-device`; "scanning" reads the ref, the client's noise and identity keys and its ADV secret
 * from the QR; the phone signs an ADV device identity with its account key and authenticates it
 * with the ADV secret (`pair-success`); the client answers with its device signature
 * (`pair-device-sign`), and the server asks it to reconnect (stream error 515).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Curve, proto, S_WHATSAPP_NET, WA_ADV_ACCOUNT_SIG_PREFIX, WA_ADV_DEVICE_SIG_PREFIX, type BinaryNode } from 'baileys';
import { verifySignature } from 'libsignal/src/curve.js';
import type { AccountRecord } from './directory.js';
import { bytes, child, node, stanzaId, unixNow } from './nodes.js';

export interface ScannedQr {
  ref: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  advSecret: Buffer;
}

/** `https://wa.me/settings/linked_devices#ref,noiseKey,identityKey,advSecret,platform` (or without the URL). */
export function parseQr(qr: string): ScannedQr {
  const data = qr.includes('#') ? qr.slice(qr.indexOf('#') + 1) : qr;
  const [ref, noise, identity, adv] = data.split(',');
  if (!ref || !noise || !identity || !adv) throw new Error('not a WhatsApp linking QR');
  return { ref, noiseKey: Buffer.from(noise, 'base64'), identityKey: Buffer.from(identity, 'base64'), advSecret: Buffer.from(adv, 'base64') };
}

export const newRefs = (count = 6): string[] => Array.from({ length: count }, () => `2@${randomBytes(24).toString('base64')}`);

export const pairDeviceIq = (refs: string[]): BinaryNode =>
  node('iq', { from: S_WHATSAPP_NET, type: 'set', id: stanzaId(), xmlns: 'md' }, [
    node(
      'pair-device',
      {},
      refs.map((r) => node('ref', {}, Buffer.from(r))),
    ),
  ]);

/** The phone's side of the scan: an ADV identity for `deviceId`, signed and HMAC'd. */
export function pairSuccessIq(account: AccountRecord, deviceId: number, qr: ScannedQr, keyIndex: number): BinaryNode {
  const details = proto.ADVDeviceIdentity.encode({ rawId: deviceId, timestamp: Math.floor(Date.now() / 1000), keyIndex }).finish();
  const accountSignature = Curve.sign(account.accountKey.private, Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, qr.identityKey]));
  const signed = proto.ADVSignedDeviceIdentity.encode({ details, accountSignatureKey: account.accountKey.public, accountSignature }).finish();
  const hmac = createHmac('sha256', qr.advSecret).update(signed).digest();
  const identity = proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac }).finish();
  return node('iq', { from: S_WHATSAPP_NET, type: 'set', id: stanzaId(), xmlns: 'md', t: unixNow() }, [
    node('pair-success', {}, [
      node('device-identity', { 'key-index': String(keyIndex) }, identity),
      node('platform', { name: 'android' }),
      node('device', { jid: `${account.phone}:${deviceId}@s.whatsapp.net`, lid: `${account.lid}:${deviceId}@lid` }),
    ]),
  ]);
}

/** Checks the client's `pair-device-sign`: its device signature over our account identity. */
export function verifyDeviceSign(reply: BinaryNode, account: AccountRecord, identityKey: Buffer): boolean {
  const signedNode = child(child(reply, 'pair-device-sign'), 'device-identity');
  const raw = bytes(signedNode);
  if (!raw) return false;
  const signed = proto.ADVSignedDeviceIdentity.decode(raw);
  if (!signed.details || !signed.deviceSignature) return false;
  const message = Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, signed.details, identityKey, account.accountKey.public]);
  // libsignal's own check: Baileys' Curve.verify accepts any well-formed signature.
  return verifySignature(Buffer.concat([Buffer.from([5]), identityKey]), message, signed.deviceSignature);
}
