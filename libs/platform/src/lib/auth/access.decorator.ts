import {
  applyDecorators,
  Injectable,
  SetMetadata,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import type { Request } from 'express';
import type { Principal } from '@danmaku/contracts';
import { DomainException } from '../errors/domain.exception';
import { HealthController } from '../health/health.controller';
import { controllerRoutes, moduleControllers, type HttpRoute } from '../openapi/http-routes';
import { BearerAuthGuard } from './bearer-auth.guard';

/**
 * Who may call a route: anyone, any holder of an access token (users and guests), admins
 * and the moderators of the route's room, or admins only.
 */
export type AccessLevel = 'public' | 'token' | 'moderator' | 'admin';

export const ACCESS_METADATA = 'danmaku:access';

/** The guards, in order, that enforce each non-public level in one app. */
export type AccessGuards<L extends AccessLevel> = Record<Exclude<L, 'public'>, Type<CanActivate>[]>;

/** After an authenticating guard: only admins pass (403 before the body is even validated). */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<Request & { principal?: Principal }>().principal;
    if (!principal) throw new DomainException('UNAUTHORIZED', 'Not authenticated');
    if (principal.role !== 'admin') throw new DomainException('FORBIDDEN', 'Only an admin may do this');
    return true;
  }
}

/**
 * Builds an app's `@Access(level)`: one decorator that both declares who may call a route
 * (read back by `routeAccess`, which a test requires of every route) and applies the
 * guards that enforce it, so the label cannot drift from the check.
 * @example
 * const Access = accessDecorator({ admin: [BearerAuthGuard, AdminGuard] });
 * class KeysController { @Post('rotate') @Access('admin') rotate() {} }
 */
export function accessDecorator<L extends AccessLevel>(
  guards: AccessGuards<L>,
): (level: L) => MethodDecorator & ClassDecorator {
  return (level) => {
    const enforce = level === 'public' ? [] : guards[level as Exclude<L, 'public'>];
    return applyDecorators(
      SetMetadata(ACCESS_METADATA, level),
      ...(enforce.length > 0 ? [UseGuards(...enforce)] : []),
    );
  };
}

/**
 * `@Access` for apps that verify tokens with BearerAuthGuard alone (auth, replay):
 * `public`, `token` (a valid access token) or `admin`.
 */
export const Access = accessDecorator<'public' | 'token' | 'admin'>({
  token: [BearerAuthGuard],
  admin: [BearerAuthGuard, AdminGuard],
});

/** The access a route declares (on its method, else on its controller), if any. */
export function routeAccess(route: Pick<HttpRoute, 'controller' | 'handler'>): AccessLevel | undefined {
  return (Reflect.getMetadata(ACCESS_METADATA, route.handler) ??
    Reflect.getMetadata(ACCESS_METADATA, route.controller)) as AccessLevel | undefined;
}

/**
 * What is wrong with the access of each route, as `METHOD /path: problem`: no declared
 * access, or a non-public access without a guard to enforce it. Empty when every route is
 * declared and guarded (each app's route-access spec requires it).
 */
export function accessProblems(routes: HttpRoute[]): string[] {
  const problems: string[] = [];
  for (const route of routes) {
    const name = `${route.method} ${route.path}`;
    const level = routeAccess(route);
    if (level === undefined) problems.push(`${name}: no @Access(...) declared`);
    else if (level !== 'public' && routeGuards(route).length === 0)
      problems.push(`${name}: declares '${level}' but applies no guard`);
  }
  return problems;
}

function routeGuards(route: Pick<HttpRoute, 'controller' | 'handler'>): unknown[] {
  const of = (target: object) =>
    (Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? [];
  return [...of(route.controller), ...of(route.handler)];
}

/**
 * The routes an app module serves, less the platform's operator endpoints (`/healthz`,
 * `/readyz`, `/metrics`: public by design): what an app's route-access spec checks.
 */
export function appRoutes(root: Parameters<typeof moduleControllers>[0]): HttpRoute[] {
  const operatorPaths = new Set(controllerRoutes([HealthController]).map((r) => r.path));
  return controllerRoutes(moduleControllers(root)).filter((r) => !operatorPaths.has(r.path));
}
