/** Who a request comes from: X-Forwarded-For only as far as TRUST_PROXY says, X-Request-Id only when safe. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, registerCompany, uniqueEmail, type Actor, type TestApp } from './helpers/app.js';

describe('behind one reverse proxy (TRUST_PROXY=1)', () => {
  let t: TestApp;
  let admin: Actor;
  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: '1', LOGIN_MAX_ATTEMPTS_PER_IP: '5', LOGIN_MAX_ATTEMPTS_PER_EMAIL: '1000' } });
    admin = await registerCompany(t, 'Proxied Co');
  });
  afterAll(async () => t?.close());

  it('a client cannot escape the per-address login limit by inventing X-Forwarded-For entries', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await t.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.0.0.2', // the proxy
        headers: { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.7` }, // a made-up hop, then the real client as the proxy saw it
        payload: { email: uniqueEmail('spray'), password: 'not the password' },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    // Another real client behind the same proxy is not affected.
    const other = await t.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '10.0.0.2',
      headers: { 'x-forwarded-for': '198.51.100.8' },
      payload: { email: admin.email, password: admin.password },
    });
    expect(other.statusCode).toBe(200);
  });
});

describe('X-Request-Id', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('is echoed when short and plain, replaced by our own otherwise', async () => {
    const plain = await t.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'req-42.abc:1' } });
    expect(plain.headers['x-request-id']).toBe('req-42.abc:1');
    for (const given of ['x'.repeat(5000), 'line\nbreak', '<script>', 'a b']) {
      const res = await t.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': given } });
      expect(res.headers['x-request-id']).toMatch(/^c[a-z0-9]{24}$/);
    }
  });
});
