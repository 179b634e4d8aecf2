import { z } from 'zod';
import { ConfigError, commonEnvShape, parseEnv, portVar } from './config';

const schema = z.object({ ...commonEnvShape, APP_PORT: portVar(3000) });

describe('parseEnv', () => {
  it('applies safe local defaults', () => {
    const c = parseEnv(schema, {});
    expect(c).toMatchObject({
      APP_PORT: 3000,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      REDIS_URL: 'redis://127.0.0.1:6379',
      DANMAKU_NAMESPACE: '',
    });
  });

  it('names every bad variable at once and never echoes values', () => {
    let error: ConfigError | undefined;
    try {
      parseEnv(schema, {
        APP_PORT: '99999',
        KAFKA_BROKERS: 'nohost',
        REDIS_URL: 'http://secret@x',
        DANMAKU_NAMESPACE: 'Bad NS',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'APP_PORT',
      'DANMAKU_NAMESPACE',
      'KAFKA_BROKERS',
      'REDIS_URL',
    ]);
    expect(error?.message).not.toContain('secret');
  });

  it('splits broker lists', () => {
    expect(parseEnv(schema, { KAFKA_BROKERS: 'a:1, b:2' }).KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
  });
});
