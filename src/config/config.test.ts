import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses documented defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      dataDir: path.resolve('./data'),
      databaseUrl: undefined,
      logLevel: 'info',
      jwtSecret: undefined,
      accessTokenTtlSec: 15 * 60,
      refreshTokenTtlSec: 30 * 86400,
      registrationEnabled: true,
      corsOrigins: [],
      trustProxy: false,
      bodyLimitBytes: 1024 * 1024,
      loginMaxAttemptsPerEmail: 5,
      loginMaxAttemptsPerIp: 30,
      loginWindowSec: 15 * 60,
      whatsappEngine: 'baileys',
      whatsappTestServer: false,
      maxBadMacErrors: 3,
      maxBadDecryptErrors: 5,
      errorWindowMs: 10 * 60 * 1000,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('treats empty and blank values as unset', () => {
    const c = loadConfig({ PORT: '', LOG_LEVEL: '   ', REGISTRATION_ENABLED: '' });
    expect(c.port).toBe(3000);
    expect(c.logLevel).toBe('info');
    expect(c.registrationEnabled).toBe(true);
  });

  it('reads valid values', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATA_DIR: '/tmp/somewhere',
      DATABASE_URL: 'postgres://u:p@db:5432/app',
      LOG_LEVEL: 'debug',
      JWT_SECRET: 'x'.repeat(32),
      CORS_ORIGINS: 'https://a.example, https://b.example,,',
      WHATSAPP_ENGINE: 'simulator',
      LOGIN_MAX_ATTEMPTS_PER_EMAIL: '3',
    });
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/tmp/somewhere',
      databaseUrl: 'postgres://u:p@db:5432/app',
      logLevel: 'debug',
      jwtSecret: 'x'.repeat(32),
      corsOrigins: ['https://a.example', 'https://b.example'],
      whatsappEngine: 'simulator',
      loginMaxAttemptsPerEmail: 3,
    });
  });

  it.each([
    ['900', 900],
    ['45s', 45],
    ['15m', 900],
    ['12h', 12 * 3600],
    ['30d', 30 * 86400],
    [' 15m ', 900],
  ])('parses the duration %j as %i seconds', (value, seconds) => {
    expect(loadConfig({ ACCESS_TOKEN_TTL: value }).accessTokenTtlSec).toBe(seconds);
    expect(loadConfig({ REFRESH_TOKEN_TTL: value }).refreshTokenTtlSec).toBe(seconds);
  });

  it.each(['0', '0m', '-5m', '1.5h', '15 minutes', 'm', '15w', 'abc'])('rejects the duration %j', (value) => {
    const problems = problemsOf({ ACCESS_TOKEN_TTL: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('ACCESS_TOKEN_TTL');
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['False', false],
    ['0', false],
    ['no', false],
    ['off', false],
  ])('parses the boolean %j', (value, expected) => {
    expect(loadConfig({ REGISTRATION_ENABLED: value }).registrationEnabled).toBe(expected);
  });

  it.each([
    [undefined, false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8, 127.0.0.1', ['10.0.0.0/8', '127.0.0.1']],
    ['::1,fc00::/7', ['::1', 'fc00::/7']],
  ])('TRUST_PROXY %j trusts %j', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['true', 'yes', 'proxy.local', '10.0.0.0/33'])('refuses TRUST_PROXY %j (trusting any client lets anyone pick an address)', (value) => {
    expect(problemsOf({ TRUST_PROXY: value })).toEqual([expect.stringContaining('TRUST_PROXY')]);
  });

  it.each(['maybe', '2', 'enabled', 'truee'])('rejects the boolean %j', (value) => {
    const problems = problemsOf({ REGISTRATION_ENABLED: value });
    expect(problems).toEqual([expect.stringContaining('REGISTRATION_ENABLED')]);
  });

  it('lists every invalid variable at once', () => {
    const env = {
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      ACCESS_TOKEN_TTL: '15x',
      REFRESH_TOKEN_TTL: '-1',
      REGISTRATION_ENABLED: 'maybe',
      TRUST_PROXY: 'perhaps',
      DATABASE_URL: 'mysql://localhost/db',
      WHATSAPP_ENGINE: 'telegram',
      BODY_LIMIT_BYTES: '1',
      LOGIN_MAX_ATTEMPTS_PER_EMAIL: '0',
      ERROR_WEBHOOK_URL: 'ftp://example.com',
      WA_VERSION: '2.3000',
      JWT_SECRET: 'too-short',
    };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    for (const name of Object.keys(env)) {
      expect(problems.some((p) => p.includes(name)), `${name} is listed`).toBe(true);
      expect(message).toContain(name);
    }
    expect(problems).toHaveLength(Object.keys(env).length);
  });

  it('rejects out-of-range integers and non-integers', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual([expect.stringContaining('PORT')]);
    expect(problemsOf({ PORT: '80.5' })).toEqual([expect.stringContaining('PORT')]);
    expect(problemsOf({ PORT: '-1' })).toEqual([expect.stringContaining('PORT')]);
  });

  it('checks cross-field rules', () => {
    expect(problemsOf({ WHATSAPP_TEST_SERVER: 'true', WHATSAPP_ENGINE: 'simulator' })).toEqual([
      expect.stringContaining('WHATSAPP_TEST_SERVER'),
    ]);
    expect(problemsOf({ RECONNECT_BASE_MS: '5000', RECONNECT_MAX_MS: '1000' })).toEqual([expect.stringContaining('RECONNECT_MAX_MS')]);
  });
});
