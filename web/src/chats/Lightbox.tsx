import { useEffect, useRef } from 'react';
import { createPortal } from 'react-dom';
import { CloseIcon } from '../components/Icons';

/**
 * A photo enlarged over the page: a modal `<dialog>` (focus kept inside, Esc closes it natively);
 * a click anywhere, or the close button, closes it too.
 */
export function Lightbox({ src, alt, onClose }: { src: string; alt: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const closed = useRef(onClose);
  useEffect(() => {
    closed.current = onClose;
  });

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
    };
  }, []);

  return createPortal(
    <dialog ref={ref} className="lightbox" aria-label={alt} onClose={() => closed.current()} onClick={() => ref.current?.close()}>
      <img src={src} alt={alt} />
      <button type="button" className="icon-btn lightbox-close" aria-label="Close the enlarged photo" autoFocus>
        <CloseIcon />
      </button>
    </dialog>,
    document.body,
  );
}
