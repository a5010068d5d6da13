/**
 * `node:http`'s `request`, on its own: transports load this module (and so `node:http`) with a
 * relative `import()` when the first stream opens, which a bundle (the `timon` CLI's) turns into a
 * lazy `require`, so that a `timon push` never loads `node:http`.
 */
export { request } from 'node:http'
