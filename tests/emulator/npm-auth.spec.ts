/**
 * The emulator's npm data plane, token authentication: what gets 401 with the challenge, Basic
 * aws:<token>, expiry, and the reject-tokens fault switched at run time.
 *
 * Every test starts its own emulator process (`npm run emulator`'s entry point) and, unless it
 * says otherwise, its own deterministic fixture npm registry behind `public:npmjs`. npm runs
 * isolated (see npm-helpers.ts). Everything is removed again by the clean-up fixture, also
 * when a test fails. (Once part of npm-data-plane.spec.ts, split by subject.)
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures.ts';
import {
  ACCOUNT,
  REGION,
  authorizationToken,
  failed,
  makeDomain,
  npmFor,
  startStack,
  tempDir,
  type Packument,
  json,
  tutorialDomain,
} from './npm-helpers.ts';

// The tests are independent (each has its own emulator and registry): let both workers share them.
test.describe.configure({ mode: 'parallel' });

// ---------------------------------------------------------------------------------------------
// Authentication.
// ---------------------------------------------------------------------------------------------

/**
 * A token in the emulator's format (emulator/core/tokens.ts): base64url of the JSON claims
 * {v:1, domain, owner, region, did (the domain's incarnation), exp (epoch ms), n}, a dot, and
 * base64url HMAC-SHA256 of that payload string under the emulator's key.
 */
function forgeToken(key: Buffer, claims: { domain: string; owner: string; region: string; did?: string; exp: number }): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, ...claims, n: randomBytes(9).toString('base64url') })).toString('base64url');
  return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
}

test.describe('token authentication', () => {
  test('missing, malformed, foreign and tampered tokens get 401 with the challenge; Basic aws:<token> works', async ({ cleanup }) => {
    const { ca } = await startStack(cleanup);
    const domain = await tutorialDomain(ca);
    const other = await makeDomain(ca, [['elsewhere']]);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    const challenge = `Bearer realm="${domain}/app", Basic realm="${domain}/app"`;

    const expect401 = async (label: string, auth: string | null) => {
      const res = await npm.fetch('lodash', { auth });
      const text = await res.text();
      expect(res.status, `${label}: ${text}`).toBe(401);
      expect(res.headers.get('www-authenticate'), label).toBe(challenge);
      expect((JSON.parse(text) as { error?: string }).error, label).toEqual(expect.any(String));
      return (JSON.parse(text) as { error: string }).error;
    };

    expect((await npm.fetch('lodash')).status).toBe(200);
    await expect401('no Authorization header', null);
    await expect401('an empty Bearer', 'Bearer ');
    await expect401('a malformed token', 'Bearer not-a-codeartifact-token');
    await expect401('a token with a dot but no MAC', 'Bearer abc.def');
    await expect401('an unknown scheme', `Token ${npm.token}`);
    const foreign = await expect401('a token for another domain', `Bearer ${await authorizationToken(ca, other)}`);
    expect(foreign).toContain(other);
    // Tampering: change the claims but keep the MAC, or change the MAC.
    const [payload, mac] = npm.token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 365 * 24 * 3600 * 1000 })).toString('base64url');
    await expect401('claims changed, old MAC', `Bearer ${widened}.${mac}`);
    await expect401('MAC changed', `Bearer ${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`);
    await expect401('Basic with a user other than aws', `Basic ${Buffer.from(`npm:${npm.token}`).toString('base64')}`);

    // Basic aws:<token>, as some clients (and npm with _auth) send it.
    const basic = await npm.fetch('lodash', { auth: `Basic ${Buffer.from(`aws:${npm.token}`).toString('base64')}` });
    expect(basic.status).toBe(200);
    expect((await json<Packument>(basic)).name).toBe('lodash');

    // npm with no token in its config fails with E401 and names the realm's fix.
    const anonymous = await npmFor(ca, cleanup, domain, 'app', { token: 'not-a-token' });
    const project = await anonymous.project();
    const denied = failed(await anonymous.npm(['install', 'lodash'], { cwd: project }));
    expect(denied.stderr).toMatch(/E401|401/);
  });

  test('an expired token gets 401; a token forged with the same key but a future expiry is accepted', async ({ cleanup }) => {
    const dataDir = await tempDir(cleanup, 'emulator-data');
    const { ca } = await startStack(cleanup, { args: ['--data-dir', dataDir] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    // GetAuthorizationToken's durationSeconds is at least 15 minutes, so the only way to get an
    // expired token without waiting that long is to make one: the emulator seals tokens with the
    // key it keeps in <data-dir>/token.key, in the format of emulator/core/tokens.ts.
    const key = await readFile(path.join(dataDir, 'token.key'));
    // The incarnation of the domain a token opens is only in a real token's claims.
    const { did } = JSON.parse(Buffer.from(npm.token.split('.')[0]!, 'base64url').toString('utf8')) as { did?: string };
    const claims = { domain, owner: ACCOUNT, region: REGION, ...(did ? { did } : {}) };

    const valid = forgeToken(key, { ...claims, exp: Date.now() + 10 * 60_000 });
    expect((await npm.fetch('lodash', { auth: `Bearer ${valid}` })).status, 'the forged token format is right').toBe(200);

    const expired = forgeToken(key, { ...claims, exp: Date.now() - 60_000 });
    const res = await npm.fetch('lodash', { auth: `Bearer ${expired}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${domain}/app", Basic realm="${domain}/app"`);
    expect((await json<{ error: string }>(res)).error).toMatch(/expired/i);

    // The same through npm.
    const stale = await npmFor(ca, cleanup, domain, 'app', { token: expired });
    const denied = failed(await stale.npm(['view', 'lodash', 'version']));
    expect(denied.stderr).toMatch(/E401|401/);
  });

  test('the reject-tokens fault, switched on and off at run time, rejects valid tokens with 401', async ({ cleanup }) => {
    const { ca, emulator } = await startStack(cleanup, { args: ['--fault-admin'] });
    const domain = await tutorialDomain(ca);
    const npm = await npmFor(ca, cleanup, domain, 'app');
    const admin = `${emulator.url}/-/emulator/faults`;
    expect((await npm.fetch('lodash')).status).toBe(200);

    expect((await fetch(admin, { method: 'PUT', body: JSON.stringify({ name: 'reject-tokens' }) })).status).toBe(200);
    const rejected = await npm.fetch('lodash');
    expect(rejected.status).toBe(401);
    expect(rejected.headers.get('www-authenticate')).toBe(`Bearer realm="${domain}/app", Basic realm="${domain}/app"`);
    expect((await json<{ error: string }>(rejected)).error).toMatch(/reject-tokens/);

    expect((await fetch(`${admin}?name=reject-tokens`, { method: 'DELETE' })).status).toBe(200);
    expect((await npm.fetch('lodash')).status).toBe(200);
  });
});
