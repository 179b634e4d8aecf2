import type { ExecutionContext } from '@nestjs/common';
import type { Principal } from '@danmaku/contracts';
import { AccessService } from './access.service';
import { RoomModeratorGuard } from './access.decorator';
import type { ModeratorsRepository } from './moderators.repository';

const admin: Principal = { userId: 'a1', nickname: 'A', role: 'admin', sessionId: 's', expiresAt: 0 };
const user: Principal = { ...admin, userId: 'u1', role: 'user' };
const guest: Principal = { ...admin, userId: 'u1', role: 'guest' };

const call = (principal: Principal | undefined, params: Record<string, string>) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ principal, params }) }) }) as unknown as ExecutionContext;

describe('RoomModeratorGuard', () => {
  // u1 moderates r1 only (and, wrongly listed, the reserved `_site`: it still grants nothing there).
  const moderators = {
    isModerator: async (roomId: string, userId: string) => userId === 'u1' && roomId !== 'r2',
  };
  const guard = new RoomModeratorGuard(new AccessService(moderators as unknown as ModeratorsRepository));

  it("lets admins and the room's moderators through", async () => {
    await expect(guard.canActivate(call(admin, { roomId: 'r2' }))).resolves.toBe(true);
    await expect(guard.canActivate(call(user, { roomId: 'r1' }))).resolves.toBe(true);
  });

  it("refuses other rooms' moderators, guests, the site log and routes without a room", async () => {
    for (const [principal, params] of [
      [user, { roomId: 'r2' }],
      [guest, { roomId: 'r1' }],
      [user, { roomId: '_site' }],
      [user, {}],
    ] as const) {
      await expect(guard.canActivate(call(principal, params))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    await expect(guard.canActivate(call(admin, { roomId: '_site' }))).resolves.toBe(true);
  });

  it('answers 401 without a principal', async () => {
    await expect(guard.canActivate(call(undefined, { roomId: 'r1' }))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });
});
