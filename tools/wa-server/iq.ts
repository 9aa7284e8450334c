/**
 * Answers to the queries a Baileys client makes: pre-key upload and count/digest/rotation, key
 * bundle fetches, usync (devices, LIDs, contacts), props, privacy, blocklist, group metadata,
 * app-state sync (empty collections), media connection, pings. Anything else gets an empty result,
 * as WhatsApp does for most fire-and-forget queries.
 */
import { jidDecode, type BinaryNode } from 'baileys';
import type { Connection } from './connection.js';
import type { Directory } from './directory.js';
import type { MediaHost } from './media-host.js';
import { bigEndian, bytes, child, children, iqError, iqResult, node, uintOf } from './nodes.js';
import type { PublicBundle } from './party.js';

/** Who a user JID names here: an account (with its linked devices) or a contact. */
export type Resolved =
  | { kind: 'account'; phone: string; lid: string; devices: number[] }
  | { kind: 'contact'; phone: string; lid: string };

export function resolveUser(dir: Directory, jid: string): Resolved | undefined {
  const decoded = jidDecode(jid);
  if (!decoded?.user) return undefined;
  if (decoded.server === 'lid') {
    const account = dir.accountByLid(decoded.user);
    if (account) return { kind: 'account', phone: account.phone, lid: account.lid, devices: Object.values(account.devices).map((d) => d.id) };
    const contact = dir.contactByLid(decoded.user);
    return contact ? { kind: 'contact', phone: contact.phone, lid: contact.lid } : undefined;
  }
  if (decoded.server !== 's.whatsapp.net' && decoded.server !== 'c.us') return undefined;
  const account = dir.account(decoded.user);
  if (account) return { kind: 'account', phone: account.phone, lid: account.lid, devices: Object.values(account.devices).map((d) => d.id) };
  const contact = dir.ensureContact(decoded.user);
  return { kind: 'contact', phone: contact.phone, lid: contact.lid };
}

const bundleNode = (jid: string, b: PublicBundle): BinaryNode =>
  node('user', { jid }, [
    node('registration', {}, bigEndian(b.registrationId, 4)),
    node('type', {}, Buffer.from([5])),
    node('identity', {}, b.identity),
    node('skey', {}, [
      node('id', {}, bigEndian(b.signedPreKey.keyId, 3)),
      node('value', {}, b.signedPreKey.public),
      node('signature', {}, b.signedPreKey.signature),
    ]),
    ...(b.preKey ? [node('key', {}, [node('id', {}, bigEndian(b.preKey.keyId, 3)), node('value', {}, b.preKey.public)])] : []),
  ]);

export function answerIq(dir: Directory, conn: Connection, iq: BinaryNode, media: Pick<MediaHost, 'mediaConn'>): BinaryNode | undefined {
  const xmlns = iq.attrs.xmlns;
  const first = children(iq)[0];
  const linked = conn.linked;
  switch (xmlns) {
    case 'encrypt': {
      if (!linked) return iqError(iq, 401, 'not-authorized');
      const { device } = linked;
      if (iq.attrs.type === 'set' && child(iq, 'registration')) {
        device.registrationId = uintOf(child(iq, 'registration')) ?? device.registrationId;
        device.identityKey = bytes(child(iq, 'identity')) ?? device.identityKey;
        for (const k of children(child(iq, 'list'), 'key')) {
          const id = uintOf(child(k, 'id'));
          const value = bytes(child(k, 'value'));
          if (id !== undefined && value) device.preKeys[String(id)] = value;
        }
        const skey = child(iq, 'skey');
        if (skey) device.signedPreKey = readSignedPreKey(skey) ?? device.signedPreKey;
        dir.changed();
        return iqResult(iq);
      }
      if (first?.tag === 'rotate') {
        const skey = child(first, 'skey');
        if (skey) device.signedPreKey = readSignedPreKey(skey) ?? device.signedPreKey;
        dir.changed();
        return iqResult(iq);
      }
      if (first?.tag === 'count') return iqResult(iq, [node('count', { value: String(Object.keys(device.preKeys).length) })]);
      if (first?.tag === 'digest') {
        return iqResult(iq, [node('digest', {}, [node('registration', {}, bigEndian(device.registrationId, 4)), node('type', {}, Buffer.from([5])), node('identity', {}, device.identityKey)])]);
      }
      if (first?.tag === 'key') {
        const users = children(first, 'user').map((u) => {
          const jid = u.attrs.jid!;
          const bundle = bundleFor(dir, jid);
          return bundle ? bundleNode(jid, bundle) : node('user', { jid }, [node('error', { code: '404', text: 'item-not-found' })]);
        });
        return iqResult(iq, [node('list', {}, users)]);
      }
      return iqResult(iq);
    }
    case 'usync':
      return usync(dir, iq);
    case 'abt':
      return iqResult(iq, [node('props', { protocol: '1', hash: 'loopback' }, [node('prop', { name: 'loopback_test_server', value: 'true' })])]);
    case 'privacy':
      if (iq.attrs.type !== 'get') return iqResult(iq);
      return iqResult(iq, [
        node(
          'privacy',
          {},
          ['readreceipts:all', 'last:all', 'online:all', 'profile:all', 'status:all', 'groupadd:all', 'calladd:all'].map((c) => {
            const [name, value] = c.split(':');
            return node('category', { name, value });
          }),
        ),
      ]);
    case 'blocklist':
      return iqResult(iq, iq.attrs.type === 'get' ? [node('list', {})] : undefined);
    case 'w:g2':
      return groupMetadata(dir, iq);
    case 'w:sync:app:state':
      return iqResult(iq, [node('sync', {}, children(first, 'collection').map((c) => node('collection', { name: c.attrs.name, version: c.attrs.version ?? '0' })))]);
    case 'w:m': {
      const mc = media.mediaConn();
      return iqResult(iq, [node('media_conn', { auth: mc.auth, ttl: String(mc.ttl), auth_ttl: String(mc.authTtl), max_buckets: '12' }, [node('host', { hostname: mc.hostname })])]);
    }
    case 'w:profile:picture':
      return iqError(iq, 404, 'item-not-found');
    default:
      return iqResult(iq);
  }
}

function readSignedPreKey(skey: BinaryNode) {
  const keyId = uintOf(child(skey, 'id'));
  const pub = bytes(child(skey, 'value'));
  const signature = bytes(child(skey, 'signature'));
  return keyId !== undefined && pub && signature ? { keyId, public: pub, signature } : undefined;
}

/** A key fetch for `user:device@server`: a contact's or the phone's Signal party, or a linked device. */
function bundleFor(dir: Directory, jid: string): PublicBundle | undefined {
  const decoded = jidDecode(jid);
  const who = resolveUser(dir, jid);
  if (!who || !decoded) return undefined;
  const device = decoded.device ?? 0;
  if (who.kind === 'contact') return device === 0 ? dir.party(dir.contact(who.phone)!.party).bundle() : undefined;
  const account = dir.account(who.phone)!;
  if (device === 0) return dir.party(account.phoneParty).bundle();
  const linked = account.devices[String(device)];
  return linked ? dir.deviceBundle(linked) : undefined;
}

function usync(dir: Directory, iq: BinaryNode): BinaryNode {
  const sync = child(iq, 'usync');
  const protocols = new Set(children(child(sync, 'query')).map((p) => p.tag));
  const users = children(child(sync, 'list'), 'user').map((u) => {
    const phoneQuery = bytes(child(u, 'contact'))?.toString();
    const jid = u.attrs.jid ?? (phoneQuery ? `${phoneQuery.replace(/\D/g, '')}@s.whatsapp.net` : undefined);
    const who = jid ? resolveUser(dir, jid) : undefined;
    if (!jid || !who) return node('user', { jid: jid ?? '' }, [node('error', { code: '404', text: 'item-not-found' })]);
    const answer: BinaryNode[] = [];
    if (protocols.has('devices')) {
      const ids = who.kind === 'account' ? [0, ...who.devices] : [0];
      answer.push(
        node('devices', {}, [
          node(
            'device-list',
            {},
            ids.map((id) => node('device', id === 0 ? { id: '0' } : { id: String(id), 'key-index': String(id) })),
          ),
        ]),
      );
    }
    if (protocols.has('lid')) answer.push(node('lid', { val: `${who.lid}@lid` }));
    if (protocols.has('contact')) answer.push(node('contact', { type: 'in' }, phoneQuery));
    const decoded = jidDecode(jid);
    const userJid = decoded?.server === 'lid' ? `${decoded.user}@lid` : `${decoded?.user}@s.whatsapp.net`;
    return node('user', { jid: userJid }, answer);
  });
  return iqResult(iq, [
    node('usync', { sid: sync?.attrs.sid, mode: sync?.attrs.mode, context: sync?.attrs.context, index: '0', last: 'true' }, [
      node('result', {}, [...protocols].map((p) => node(p, {}))),
      node('list', {}, users),
    ]),
  ]);
}

function groupMetadata(dir: Directory, iq: BinaryNode): BinaryNode {
  const jid = iq.attrs.to ?? '';
  const group = dir.group(jid);
  if (!group || iq.attrs.type !== 'get') return group ? iqResult(iq) : iqError(iq, 404, 'item-not-found');
  return node('iq', { id: iq.attrs.id, type: 'result', from: jid }, [
    node(
      'group',
      {
        id: jid.split('@')[0],
        subject: group.subject,
        s_t: String(group.createdAt),
        s_o: `${group.creator}@s.whatsapp.net`,
        creation: String(group.createdAt),
        creator: `${group.creator}@s.whatsapp.net`,
        size: String(group.participants.length),
      },
      group.participants.map((p) => node('participant', { jid: `${p}@s.whatsapp.net`, ...(p === group.creator && { type: 'superadmin' }) })),
    ),
  ]);
}

