import type { AccessClaims } from '../auth/tokens.js';
import type { AccessPolicy, SessionNeed, SessionScope } from '../managers/access-policy.js';
import { NotFoundError } from '../shared/errors.js';
import type { ChatKind } from '../whatsapp/engine.js';
import { tryCanonicalJid } from '../whatsapp/jid.js';
import { toChatDetail, toChatView } from '../messages/message-view.js';
import type { ChatRow, ChatsRepository } from './chats.repository.js';

export interface ChatListQuery {
  page: number;
  limit: number;
  includeGroups?: boolean;
  includeStatus?: boolean;
  chatType?: ChatKind | 'all';
}

/** Seed §5: individual chats by default; flags add groups/status; chatType picks exactly one type or all. */
export function chatTypesFor(q: Pick<ChatListQuery, 'includeGroups' | 'includeStatus' | 'chatType'>): ChatKind[] {
  if (q.chatType === 'all') return ['individual', 'group', 'status'];
  if (q.chatType) return [q.chatType];
  const types: ChatKind[] = ['individual'];
  if (q.includeGroups) types.push('group');
  if (q.includeStatus) types.push('status');
  return types;
}

/** Our row ids (shared/ids.ts): a lowercase letter, then lowercase letters and digits. */
const ROW_ID = /^[a-z][a-z0-9]{15,39}$/;

export interface ResolvedChat {
  session: SessionScope;
  /** The chat row, or undefined when `:chatId` is a WhatsApp id we have no chat for yet. */
  chat: ChatRow | undefined;
  /** The canonical WhatsApp id of the chat. */
  jid: string;
}

export function createChatsService(deps: { repo: ChatsRepository; policy: AccessPolicy }) {
  const { repo, policy } = deps;

  /** `:chatId` is our chat row id or a WhatsApp id / phone number (docs/api.md, Conventions). */
  const resolve = async (caller: AccessClaims, sessionId: string, chatId: string, need: SessionNeed): Promise<ResolvedChat> => {
    const session = await policy.scope(caller, sessionId, need);
    if (ROW_ID.test(chatId)) {
      const byId = await repo.find(session.companyId, session.id, { id: chatId });
      if (byId) return { session, chat: byId, jid: byId.waChatId };
    }
    const jid = tryCanonicalJid(chatId);
    if (!jid) throw new NotFoundError('Chat');
    const chat = await repo.find(session.companyId, session.id, { jid });
    return { session, chat, jid: chat?.waChatId ?? jid };
  };

  return {
    resolve,
    async list(caller: AccessClaims, sessionId: string, q: ChatListQuery) {
      const session = await policy.session(caller, sessionId, 'read');
      const types = chatTypesFor(q);
      const rows = await repo.list(session.companyId, session.id, { types }, q.page, q.limit);
      // The total comes from the session's counters: no count over its chats per page.
      const perType: Record<ChatKind, number> = { individual: session.individualChats, group: session.groupChats, status: session.statusChats };
      return { items: rows.map(toChatView), total: types.reduce((n, t) => n + perType[t], 0) };
    },
    async get(caller: AccessClaims, sessionId: string, chatId: string) {
      const { chat } = await resolve(caller, sessionId, chatId, 'read');
      if (!chat) throw new NotFoundError('Chat');
      return toChatDetail(chat);
    },
  };
}

export type ChatsService = ReturnType<typeof createChatsService>;
