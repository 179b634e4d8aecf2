/** Injection tokens of the docs module: the AsyncAPI document and its HTML page, built once. */
export const ASYNCAPI_DOCUMENT = Symbol('ASYNCAPI_DOCUMENT');
export const ASYNCAPI_PAGE = Symbol('ASYNCAPI_PAGE');
/** Where the raw document is served. */
export const ASYNCAPI_JSON_PATH = '/docs/asyncapi.json';
