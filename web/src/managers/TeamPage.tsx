import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, errorText } from '../api/client';
import type { Permission, User } from '../api/types';
import { useToast } from '../components/Toasts';
import { useSocketEvent } from '../realtime/socket';
import { useSessions } from '../sessions/SessionsContext';
import { accessApi, usersApi, type NewUser } from './api';

type Matrix = Record<string, Record<string, Permission[]>>; // sessionId → managerId → permissions

export function TeamPage() {
  const { sessions } = useSessions();
  const toast = useToast();
  const [users, setUsers] = useState<User[]>([]);
  const [matrix, setMatrix] = useState<Matrix>({});
  const [error, setError] = useState<string | null>(null);
  const [accessError, setAccessError] = useState<string | null>(null);
  const [busyCell, setBusyCell] = useState<string | null>(null);
  const sessionKey = sessions.map((s) => s.id).join(',');

  const loadUsers = useCallback(async () => {
    try {
      setUsers(await usersApi.list());
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, []);

  const loadAccess = useCallback(async () => {
    const ids = sessionKey ? sessionKey.split(',') : [];
    try {
      const lists = await Promise.all(ids.map(async (id) => [id, await accessApi.list(id)] as const));
      const m: Matrix = {};
      for (const [id, list] of lists) m[id] = Object.fromEntries(list.map((a) => [a.manager.id, a.permissions]));
      setMatrix(m);
      setAccessError(null);
    } catch (err) {
      setAccessError(errorText(err));
    }
  }, [sessionKey]);

  useEffect(() => {
    void loadUsers();
  }, [loadUsers]);
  useEffect(() => {
    void loadAccess();
  }, [loadAccess]);
  useSocketEvent('whatsapp:manager-access-granted', () => void loadAccess());
  useSocketEvent('whatsapp:manager-access-revoked', () => void loadAccess());

  const managers = users.filter((u) => u.role === 'manager');

  const toggle = async (sessionId: string, manager: User, perm: Permission, on: boolean) => {
    const cur = matrix[sessionId]?.[manager.id] ?? [];
    let next = new Set<Permission>(cur);
    if (on) {
      next.add(perm);
      if (perm === 'write') next.add('read'); // write needs read
    } else {
      next.delete(perm);
      if (perm === 'read') next = new Set(); // no read, no write
    }
    const perms = (['read', 'write'] as const).filter((p) => next.has(p));
    const cell = `${sessionId}/${manager.id}`;
    setBusyCell(cell);
    setMatrix((m) => ({ ...m, [sessionId]: { ...m[sessionId], [manager.id]: perms } }));
    try {
      if (perms.length) await accessApi.grant(sessionId, manager.id, perms);
      else await accessApi.revoke(sessionId, manager.id);
    } catch (err) {
      toast(errorText(err), 'error');
      void loadAccess();
    } finally {
      setBusyCell(null);
    }
  };

  return (
    <main className="page" aria-labelledby="team-title">
      <div className="page-head">
        <div>
          <h1 id="team-title">Team</h1>
          <p className="muted">Create managers and choose which WhatsApp numbers each one can read and answer.</p>
        </div>
      </div>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      <div className="team-grid">
        <NewUserForm
          onCreated={(u) => {
            setUsers((list) => [...list, u]);
            toast(`${u.firstName} ${u.lastName} can now log in as ${u.role}`, 'success');
          }}
        />
        <section className="card" aria-labelledby="users-title">
          <h2 id="users-title">People</h2>
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col" className="wide-only">
                    Email
                  </th>
                  <th scope="col">Role</th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <tr key={u.id}>
                    <td>
                      {u.firstName} {u.lastName}
                      {u.id === api.user?.id && <span className="muted"> (you)</span>}
                      <div className="muted small email phone-only">{u.email}</div>
                    </td>
                    <td className="mono small email wide-only">{u.email}</td>
                    <td>
                      <span className={u.role === 'admin' ? 'badge badge-admin' : 'badge'}>{u.role === 'admin' ? 'Admin' : 'Manager'}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </div>

      <section className="card access" aria-labelledby="access-title">
        <h2 id="access-title">Access to numbers</h2>
        <p className="muted small">Read: see the number’s chats and messages. Write: also reply and mark as read. Admins always have full access.</p>
        {accessError && (
          <p className="banner banner-error" role="alert">
            {accessError}
          </p>
        )}
        {managers.length === 0 || sessions.length === 0 ? (
          <p className="muted">{managers.length === 0 ? 'Create a manager first.' : 'Add a WhatsApp number first.'}</p>
        ) : (
          <div className="table-scroll">
            <table className="table access-table">
              <thead>
                <tr>
                  <th scope="col">Manager</th>
                  {sessions.map((s) => (
                    <th scope="col" key={s.id}>
                      {s.displayName}
                      <div className="muted small mono">{s.phoneNumber ?? 'not linked'}</div>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {managers.map((m) => {
                  const name = `${m.firstName} ${m.lastName}`;
                  return (
                    <tr key={m.id}>
                      <th scope="row">
                        {name}
                        <div className="muted small email">{m.email}</div>
                      </th>
                      {sessions.map((s) => {
                        const perms = matrix[s.id]?.[m.id] ?? [];
                        const busy = busyCell === `${s.id}/${m.id}`;
                        return (
                          <td key={s.id}>
                            <div className="perm-cell">
                              <label className="check">
                                <input type="checkbox" checked={perms.includes('read')} disabled={busy} onChange={(e) => void toggle(s.id, m, 'read', e.target.checked)} aria-label={`${name}: read ${s.displayName}`} />
                                <span aria-hidden="true">Read</span>
                              </label>
                              <label className="check">
                                <input type="checkbox" checked={perms.includes('write')} disabled={busy} onChange={(e) => void toggle(s.id, m, 'write', e.target.checked)} aria-label={`${name}: write ${s.displayName}`} />
                                <span aria-hidden="true">Write</span>
                              </label>
                            </div>
                          </td>
                        );
                      })}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </main>
  );
}

function NewUserForm({ onCreated }: { onCreated: (u: User) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const v = (k: string) => String(f.get(k) ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      const u = await usersApi.create({
        firstName: v('firstName'),
        lastName: v('lastName'),
        email: v('email'),
        password: String(f.get('password') ?? ''),
        role: v('role') === 'admin' ? 'admin' : 'manager',
      } satisfies NewUser);
      form.reset();
      onCreated(u);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="new-user-title">
      <h2 id="new-user-title">Add a team member</h2>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <div className="row2">
          <label className="field">
            <span>First name</span>
            <input name="firstName" required maxLength={100} autoComplete="off" />
          </label>
          <label className="field">
            <span>Last name</span>
            <input name="lastName" required maxLength={100} autoComplete="off" />
          </label>
        </div>
        <label className="field">
          <span>Email</span>
          <input name="email" type="email" required autoComplete="off" />
        </label>
        <div className="row2">
          <label className="field">
            <span>Temporary password</span>
            <input name="password" type="password" required minLength={10} autoComplete="new-password" />
          </label>
          <label className="field">
            <span>Role</span>
            <select name="role" defaultValue="manager">
              <option value="manager">Manager</option>
              <option value="admin">Admin</option>
            </select>
          </label>
        </div>
        {error && (
          <p className="banner banner-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create user'}
        </button>
      </form>
    </section>
  );
}
