import { STYLESHEET } from './assets/stylesheet.js'
import { CLIENT_SCRIPT } from './assets/client-script.js'

/** A static file the dashboard serves under `/assets/`. */
export interface Asset {
  readonly contentType: string
  readonly body: string
}

/** The stylesheet and the progressive-enhancement script: constants, so no build step and no network. */
export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/assets/dashboard.css', { contentType: 'text/css; charset=utf-8', body: STYLESHEET }],
  ['/assets/dashboard.js', { contentType: 'text/javascript; charset=utf-8', body: CLIENT_SCRIPT }],
])
