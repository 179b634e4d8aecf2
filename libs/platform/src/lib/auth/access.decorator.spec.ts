import 'reflect-metadata';
import { Controller, Get, Post, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@danmaku/contracts';
import { controllerRoutes } from '../openapi/http-routes';
import { accessProblems, Access, AdminGuard, routeAccess, ACCESS_METADATA } from './access.decorator';
import { SetMetadata } from '@nestjs/common';

@Controller('v1/things')
class ThingsController {
  @Get()
  @Access('public')
  list() {
    return null;
  }

  @Post()
  @Access('admin')
  add() {
    return null;
  }

  @Get('unlabelled')
  unlabelled() {
    return null;
  }

  @Get('labelled-only')
  @SetMetadata(ACCESS_METADATA, 'token')
  labelledOnly() {
    return null;
  }
}

@Controller('v1/keys')
@Access('admin')
class KeysController {
  @Post('rotate')
  rotate() {
    return null;
  }
}

const asCaller = (principal?: Principal) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ principal }) }) }) as unknown as ExecutionContext;
const user: Principal = { userId: 'u', nickname: 'U', role: 'user', sessionId: 's', expiresAt: 0 };

describe('Access', () => {
  it('declares the level on the route or its controller', () => {
    const levels = controllerRoutes([ThingsController, KeysController]).map((r) => [
      `${r.method} ${r.path}`,
      routeAccess(r),
    ]);
    expect(levels).toEqual([
      ['POST /v1/keys/rotate', 'admin'],
      ['GET /v1/things', 'public'],
      ['POST /v1/things', 'admin'],
      ['GET /v1/things/labelled-only', 'token'],
      ['GET /v1/things/unlabelled', undefined],
    ]);
  });

  it('names every route without a declared access, or declared but not guarded', () => {
    expect(accessProblems(controllerRoutes([ThingsController, KeysController]))).toEqual([
      "GET /v1/things/labelled-only: declares 'token' but applies no guard",
      'GET /v1/things/unlabelled: no @Access(...) declared',
    ]);
  });

  it('lets only admins through AdminGuard', () => {
    const guard = new AdminGuard();
    expect(guard.canActivate(asCaller({ ...user, role: 'admin' }))).toBe(true);
    expect(() => guard.canActivate(asCaller(user))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => guard.canActivate(asCaller())).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
  });
});
