import { toDataURL } from 'qrcode';
import { useEffect, useState } from 'react';

/**
 * A QR code drawn in the page (a data: URL image: the CSP allows `img-src data:` and no
 * inline styles, so neither an inline SVG's style attributes nor a remote image).
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    toDataURL(text, { margin: 1, width: 200, errorCorrectionLevel: 'M' }).then(
      (url) => current && setSrc(url),
      () => current && setSrc(null),
    );
    return () => {
      current = false;
    };
  }, [text]);
  return src ? <img className="qr" src={src} alt={label} width={200} height={200} /> : null;
}
