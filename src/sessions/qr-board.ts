/** The QR on display per session, and callers waiting for the next one (GET …/qr waits a bounded time). */
export class QrBoard {
  private readonly latest = new Map<string, string>();
  private readonly waiters = new Map<string, Set<(qr: string | null) => void>>();

  current(sessionId: string): string | undefined {
    return this.latest.get(sessionId);
  }

  show(sessionId: string, qrCode: string): void {
    this.latest.set(sessionId, qrCode);
    this.wake(sessionId, qrCode);
  }

  /** The session stopped showing a QR (linked, closed, deleted): waiters get null. */
  clear(sessionId: string): void {
    this.latest.delete(sessionId);
    this.wake(sessionId, null);
  }

  /** Resolves with the current or next QR, or null if the session stops showing one or the time runs out. */
  next(sessionId: string, timeoutMs: number): Promise<string | null> {
    const existing = this.latest.get(sessionId);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      let set = this.waiters.get(sessionId);
      if (!set) this.waiters.set(sessionId, (set = new Set()));
      const waiter = (qr: string | null): void => {
        clearTimeout(timer);
        resolve(qr);
      };
      const timer = setTimeout(() => {
        this.waiters.get(sessionId)?.delete(waiter);
        resolve(null);
      }, timeoutMs);
      set.add(waiter);
    });
  }

  private wake(sessionId: string, qr: string | null): void {
    const set = this.waiters.get(sessionId);
    if (!set) return;
    this.waiters.delete(sessionId);
    for (const w of set) w(qr);
  }
}
