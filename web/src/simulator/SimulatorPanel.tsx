import { useEffect, useState, type FormEvent } from 'react';
import { errorText } from '../api/client';
import type { Chat } from '../api/types';
import { phoneOf } from '../components/format';
import { useToast } from '../components/Toasts';
import { simulatorApi } from './api';

/**
 * Demo helper (simulator engine only): play the customer — send an inbound message, type,
 * deliver/read our last message — so the product can be tried without a phone.
 */
export function SimulatorPanel({ sessionId, chat, lastOwnMessageId }: { sessionId: string; chat?: Chat; lastOwnMessageId: string | null }) {
  const toast = useToast();
  const [from, setFrom] = useState('+1 555 0100 200');
  const [fromName, setFromName] = useState('Maria Lopez');
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [typing, setTyping] = useState(false);

  useEffect(() => {
    if (chat && !chat.isGroup) {
      setFrom(phoneOf(chat.chatId)); // the server accepts a plain phone number, and it reads better
      setFromName(chat.chatName ?? '');
    }
  }, [chat]);
  // Keyed by the chat's id, not the object: the chat list hands down a new object on every update
  // (a message, a read), and forgetting the customer is typing then made "stops typing" send "starts".
  const chatId = chat?.id;
  useEffect(() => setTyping(false), [chatId]);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      return true;
    } catch (err) {
      toast(`Simulator: ${errorText(err)}`, 'error');
      return false;
    } finally {
      setBusy(false);
    }
  };

  const sendInbound = async (e: FormEvent) => {
    e.preventDefault();
    if (!body.trim()) return;
    const ok = await run(() => simulatorApi.inbound(sessionId, { from: from.trim(), fromName: fromName.trim() || undefined, body: body.trim() }));
    if (ok) setBody('');
  };

  return (
    <details className="sim-panel">
      <summary>Simulator: play the customer</summary>
      <form className="form sim-form" onSubmit={(e) => void sendInbound(e)} aria-label="Simulate an incoming message">
        <div className="row2">
          <label className="field">
            <span>Customer phone</span>
            <input value={from} onChange={(e) => setFrom(e.target.value)} required />
          </label>
          <label className="field">
            <span>Customer name</span>
            <input value={fromName} onChange={(e) => setFromName(e.target.value)} />
          </label>
        </div>
        <label className="field">
          <span>Customer message</span>
          <input value={body} onChange={(e) => setBody(e.target.value)} placeholder="Hi! Is my order on its way?" required />
        </label>
        <button type="submit" className="btn btn-sim btn-sm" disabled={busy || !body.trim()}>
          Send as customer
        </button>
      </form>
      {chat && (
        <div className="sim-actions" role="group" aria-label="Simulate the customer in this chat">
          <button
            type="button"
            className="btn btn-sm"
            disabled={busy}
            onClick={() =>
              void run(() => simulatorApi.typing(sessionId, chat.chatId, !typing)).then((ok) => {
                if (ok) setTyping(!typing);
              })
            }
          >
            {typing ? 'Customer stops typing' : 'Customer starts typing'}
          </button>
          <button type="button" className="btn btn-sm" disabled={busy || !lastOwnMessageId} onClick={() => lastOwnMessageId && void run(() => simulatorApi.receipt(sessionId, lastOwnMessageId, 'delivered'))}>
            Deliver my last message
          </button>
          <button type="button" className="btn btn-sm" disabled={busy || !lastOwnMessageId} onClick={() => lastOwnMessageId && void run(() => simulatorApi.receipt(sessionId, lastOwnMessageId, 'read'))}>
            Customer reads it
          </button>
        </div>
      )}
    </details>
  );
}
