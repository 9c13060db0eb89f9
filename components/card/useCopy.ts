/** Copying a summary: the clipboard write, and a short status the card announces (role="status"). */
import { useEffect, useRef, useState } from 'preact/hooks';

export function useCopy(write: (text: string) => Promise<void>) {
  const [status, setStatus] = useState<string>('');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = async (text: string, what: string) => {
    clearTimeout(timer.current);
    try {
      await write(text);
      setStatus(`${what} copied.`);
    } catch (error) {
      setStatus(`Could not copy the ${what.toLowerCase()}: ${(error as Error).message || 'the page does not allow it'}.`);
    }
    timer.current = setTimeout(() => setStatus(''), 5000);
  };
  return { status, copy };
}

/**
 * The clipboard from a content script: the async API where the page is a secure context, else the
 * older copy command on a hidden text area in the card's own root (a user's click allows either).
 */
export async function writeToClipboard(text: string, root: Node): Promise<void> {
  if (globalThis.isSecureContext && navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.cssText = 'position:fixed;left:-9999px;top:0;opacity:0';
  (root as ParentNode).append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the browser refused the copy');
}
