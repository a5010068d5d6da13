// @timon/http-common: HTTP client configuration shared by Timon's adapters (notify-webhook, poll-http).

export { caFileField, readCaFile } from './ca-file.js'
export type { CaFile, ReadCaFileOptions } from './ca-file.js'

export { createKeepAliveAgent, defaultCertificates } from './agent.js'
export type { KeepAliveAgentOptions } from './agent.js'

export { TRANSPORT_HEADERS, checkHeaders, headerProblem, headersField } from './headers.js'
export type { HeaderRules } from './headers.js'

export { httpUrlProblem } from './url.js'

export { parseTableArray } from './config-tables.js'

export { durationField } from './duration-field.js'

export { packageVersion } from './package-version.js'
export type { DurationFieldOptions } from './duration-field.js'
export { TunnelingAgent, proxyFor, viaHttpProxy } from './proxy.js'
export type { ProxyEnv } from './proxy.js'
