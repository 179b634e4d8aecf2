export * from './api-route.decorator';
export * from './http-routes';
export * from './openapi';
export * from './openapi-schemas';
