/**
 * The certificate chain sent in ServerHello. Baileys 7.0.0-rc14 checks its shape, the issuer serial
 * of the intermediate (0) and two signatures with `Curve.verify`, which only returns false when
 * libsignal *throws*, i.e. for malformed input: a well-formed but wrong signature passes. The leaf
 * is signed properly by our own intermediate; the intermediate cannot be signed by WhatsApp's root
 * key, so it carries 64 zero bytes. `cert.test.ts` is the canary for the day Baileys checks it.
 */
import { Curve, proto } from 'baileys';
import type { KeyPair } from './noise.js';

export function buildCertChain(serverStatic: KeyPair, now = new Date()): Uint8Array {
  const intermediateKey = Curve.generateKeyPair();
  const notBefore = Math.floor(now.getTime() / 1000) - 86_400;
  const notAfter = notBefore + 2 * 365 * 86_400;
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 1,
    issuerSerial: 0,
    key: intermediateKey.public,
    notBefore,
    notAfter,
  }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 2,
    issuerSerial: 1,
    key: serverStatic.public,
    notBefore,
    notAfter,
  }).finish();
  return proto.CertChain.encode({
    leaf: { details: leafDetails, signature: Buffer.from(Curve.sign(intermediateKey.private, leafDetails)) },
    intermediate: { details: intermediateDetails, signature: Buffer.alloc(64) },
  }).finish();
}
