import { RequestMethod, type DynamicModule, type Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';

type ModuleRef = Type | DynamicModule | { forwardRef: () => Type } | Promise<DynamicModule>;

/** A route as OpenAPI names it (`GET`, `/v1/rooms/{roomId}`), and the code that serves it. */
export interface HttpRoute {
  method: keyof typeof RequestMethod;
  path: string;
  controller: Type;
  handler: (...args: never[]) => unknown;
}

/**
 * Every route the controllers serve, sorted by path then method. Read from Nest's own route
 * metadata, so it is what the router serves.
 */
export function controllerRoutes(controllers: Type[]): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const controller of controllers) {
    const prefixes = asArray<string>(Reflect.getMetadata(PATH_METADATA, controller));
    for (const key of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = Object.getOwnPropertyDescriptor(controller.prototype, key)?.value as unknown;
      if (key === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      for (const prefix of prefixes.length ? prefixes : ['']) {
        for (const path of asArray<string>(Reflect.getMetadata(PATH_METADATA, handler))) {
          const name = RequestMethod[method] as keyof typeof RequestMethod;
          routes.push({
            method: name,
            path: openApiPath(prefix, path),
            controller,
            handler: handler as HttpRoute['handler'],
          });
        }
      }
    }
  }
  return routes.sort((x, y) => x.path.localeCompare(y.path) || x.method.localeCompare(y.method));
}

/** The controllers of a module and everything it imports (static or dynamic modules). */
export function moduleControllers(root: ModuleRef): Type[] {
  const seen = new Set<unknown>();
  const controllers = new Set<Type>();
  const visit = (ref: ModuleRef | undefined): void => {
    if (!ref || ref instanceof Promise || seen.has(ref)) return;
    seen.add(ref);
    if ('forwardRef' in ref) return visit(ref.forwardRef());
    const cls = 'module' in ref ? ref.module : ref;
    const dynamic: Partial<DynamicModule> = 'module' in ref ? ref : {};
    const meta = (k: string) => (Reflect.getMetadata(k, cls) as unknown[] | undefined) ?? [];
    for (const c of [...meta(MODULE_METADATA.CONTROLLERS), ...(dynamic.controllers ?? [])])
      controllers.add(c as Type);
    for (const m of [...meta(MODULE_METADATA.IMPORTS), ...(dynamic.imports ?? [])]) visit(m as ModuleRef);
  };
  visit(root);
  return [...controllers];
}

function openApiPath(...parts: string[]): string {
  const joined = parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .map((segment) => segment.replace(/^:(\w+)$/, '{$1}'))
    .join('/');
  return `/${joined}`;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
