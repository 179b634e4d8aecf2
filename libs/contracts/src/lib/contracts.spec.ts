import {
  danmakuSendPayloadSchema,
  graphemeLength,
  httpStatusOf,
  KAFKA_TOPICS,
  liveRoom,
  roomIdOfLiveRoom,
  roomJoinPayloadSchema,
  topicName,
  consumerGroup,
} from '../index';

describe('socket payload schemas', () => {
  it('accepts a full danmaku:send, trimming text and lower-casing the colour', () => {
    expect(
      danmakuSendPayloadSchema.parse({
        roomId: 'a_B-9',
        text: '  hi  ',
        mode: 'bottom',
        color: '#AbCdEf',
        size: 'small',
        nonce: 'n',
      }),
    ).toEqual({ roomId: 'a_B-9', text: 'hi', mode: 'bottom', color: '#abcdef', size: 'small', nonce: 'n' });
  });

  it.each([
    [{ roomId: 'a b', text: 'x' }, 'roomId'],
    [{ roomId: 'x'.repeat(65), text: 'x' }, 'roomId'],
    [{ roomId: 'r', text: ' \n\t ' }, 'text'],
    [{ roomId: 'r', text: 'x', color: 'red' }, 'color'],
    [{ roomId: 'r', text: 'x', mode: 'diagonal' }, 'mode'],
    [{ roomId: 'r', text: 'x', size: 'huge' }, 'size'],
    [{ roomId: 'r', text: 'x', nonce: '' }, 'nonce'],
    [{ roomId: 'r', text: 42 }, 'text'],
  ])('refuses %j at %s', (payload, field) => {
    const r = danmakuSendPayloadSchema.safeParse(payload);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path[0])).toContain(field);
  });

  it('takes a non-negative integer sinceSeq only', () => {
    expect(roomJoinPayloadSchema.safeParse({ roomId: 'r', sinceSeq: 3 }).success).toBe(true);
    expect(roomJoinPayloadSchema.safeParse({ roomId: 'r', sinceSeq: -1 }).success).toBe(false);
    expect(roomJoinPayloadSchema.safeParse({ roomId: 'r', sinceSeq: 1.5 }).success).toBe(false);
  });
});

describe('helpers', () => {
  it('counts user-perceived characters', () => {
    expect(graphemeLength('abc')).toBe(3);
    expect(graphemeLength('👍🏽👨‍👩‍👧')).toBe(2);
    expect(graphemeLength('弹幕')).toBe(2);
  });

  it('round-trips live room names', () => {
    expect(roomIdOfLiveRoom(liveRoom('abc'))).toBe('abc');
    expect(roomIdOfLiveRoom('user:1')).toBeNull();
  });

  it('namespaces topics and groups', () => {
    expect(topicName(KAFKA_TOPICS.danmakuAccepted)).toBe('danmaku.accepted.v1');
    expect(topicName(KAFKA_TOPICS.danmakuAccepted, 'ci-1')).toBe('ci-1.danmaku.accepted.v1');
    expect(consumerGroup('gateway', 'fanout', 'ci-1')).toBe('ci-1.gateway.fanout');
  });

  it('keys every danmaku topic by room', () => {
    const sub = { roomId: 'r1' } as never;
    expect(KAFKA_TOPICS.danmakuSubmitted.key(sub)).toBe('r1');
    expect(KAFKA_TOPICS.danmakuAccepted.key({ danmaku: { roomId: 'r2' } } as never)).toBe('r2');
  });

  it('maps codes to HTTP statuses', () => {
    expect(httpStatusOf('INVALID_PAYLOAD')).toBe(400);
    expect(httpStatusOf('UNAUTHORIZED')).toBe(401);
    expect(httpStatusOf('RATE_LIMITED')).toBe(429);
    expect(httpStatusOf('BLOCKED_TERM')).toBe(400);
  });
});
