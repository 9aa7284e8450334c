import QRCode from 'qrcode';

/** A QR string rendered as the `data:image/png;base64,...` URL of the seed. */
export function renderQr(qr: string): Promise<string> {
  return QRCode.toDataURL(qr, { errorCorrectionLevel: 'L', margin: 2, width: 300 });
}
