import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { KafkaClient, TypedProducer } from '@danmaku/kafka';
import {
  danmakuFixture,
  dropNamespace,
  expectEventually,
  freePort,
  httpJson,
  spawnApp,
  testInfra,
  uniqueId,
  workspaceRoot,
  type RunningApp,
} from '@danmaku/testing';

const run = promisify(execFile);

/**
 * Issue 11, item 4: the Redis that `npm run infra:up` starts persists (AOF, fsync every
 * second) into the project's data folder, so `infra:down` + `infra:up` keeps accounts and
 * recordings. The scripts run from a copy of tools/ in a scratch project root (their
 * data folder is theirs alone) and start a Redis of their own on a free port; the shared
 * Kafka is reused by them and left alone, as they do with any broker they did not start.
 */
describe('infra:down then infra:up keeps what was in Redis', () => {
  const root = mkdtempSync(join(tmpdir(), 'danmaku-infra-'));
  const namespace = uniqueId('persist').toLowerCase();
  const apps: RunningApp[] = [];
  let redisUrl = '';

  beforeAll(async () => {
    const real = workspaceRoot();
    // tools/infra/*.mjs load the TypeScript beside them through tools/scripts/bootstrap.mjs,
    // with tools/tsconfig.json (which extends the root's).
    cpSync(join(real, 'tools'), join(root, 'tools'), { recursive: true });
    for (const shared of ['node_modules', 'package.json', 'tsconfig.base.json'])
      symlinkSync(join(real, shared), join(root, shared));
    redisUrl = `redis://127.0.0.1:${await freePort()}`;
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await infra('down').catch(() => undefined);
    await dropNamespace(namespace).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  async function infra(step: 'up' | 'down'): Promise<string> {
    const args = step === 'up' ? ['--skip-deps', '--no-topics', '--quiet'] : [];
    const { stdout, stderr } = await run(
      process.execPath,
      [join(root, 'tools', 'infra', `${step}.mjs`), ...args],
      {
        cwd: root,
        env: { ...process.env, REDIS_URL: redisUrl, KAFKA_BROKERS: testInfra().kafkaBrokers },
        timeout: 60_000,
      },
    );
    return stdout + stderr;
  }

  async function startApps(): Promise<{ auth: RunningApp; replay: RunningApp }> {
    const authPort = await freePort();
    const common = {
      DANMAKU_NAMESPACE: namespace,
      KAFKA_BROKERS: testInfra().kafkaBrokers,
      REDIS_URL: redisUrl,
      AUTH_JWKS_URL: `http://127.0.0.1:${authPort}/.well-known/jwks.json`,
    };
    const auth = await spawnApp('auth', {
      port: authPort,
      env: { ...common, ADMIN_USERNAME: 'persist_admin', ADMIN_PASSWORD: 'persist-admin-password' },
    });
    const replay = await spawnApp('replay', { port: await freePort(), env: common });
    apps.push(auth, replay);
    return { auth, replay };
  }

  async function stopApps(): Promise<void> {
    await Promise.all(apps.splice(0).map((a) => a.stop()));
  }

  it('accounts and recordings are still there after a restart of the Redis it started', async () => {
    const up = await infra('up');
    expect(up).toMatch(/Redis .* started/);
    let { auth, replay } = await startApps();

    const username = `keeper_${Math.random().toString(36).slice(2, 8)}`;
    const password = 'correct-horse-battery';
    expect(
      (await httpJson('POST', `${auth.url}/v1/auth/register`, { body: { username, password } })).status,
    ).toBe(201);
    // A recording: an accepted danmaku, stored by replay from the accepted topic.
    const kafka = new KafkaClient({
      brokers: testInfra().kafkaBrokers.split(','),
      clientId: 'persist-it',
      namespace,
    });
    const producer = new TypedProducer(kafka);
    const roomId = `room-${namespace}`;
    const danmaku = danmakuFixture({ roomId, seq: 1, text: 'still here' });
    const timeline = () =>
      httpJson('GET', `${replay.url}/v1/rooms/${roomId}/danmaku?from=0&to=${Date.now() + 60_000}`);
    try {
      await kafka.ensureTopics([KAFKA_TOPICS.danmakuAccepted]);
      await producer.connect();
      await producer.publish(KAFKA_TOPICS.danmakuAccepted, {
        danmaku,
        epoch: 'e1',
        origin: { instanceId: 'persist-it', socketId: 's' },
        decidedAt: Date.now(),
      });
    } finally {
      await producer.disconnect();
      await kafka.deadLetters.close();
    }
    await expectEventually(async () => {
      const res = await timeline();
      expect(res.body.items?.map((d: { text: string }) => d.text)).toEqual(['still here']);
    });

    await stopApps();
    const down = await infra('down');
    expect(down).toMatch(/Redis.*stopped/i);
    expect(await infra('up')).toMatch(/Redis .* started/);
    ({ auth, replay } = await startApps());

    const login = await httpJson('POST', `${auth.url}/v1/auth/login`, { body: { username, password } });
    expect(login.status).toBe(200);
    const res = await timeline();
    expect(res.body.items?.map((d: { text: string }) => d.text)).toEqual(['still here']);
  }, 180_000);
});
