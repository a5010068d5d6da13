import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { errorMessage } from '@timon/core/lite'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'

/** A CA file an adapter trusts in addition to the default CAs, read and checked when the config is loaded. */
export interface CaFile {
  /** The file, resolved against the config file's directory. */
  readonly path: string
  /** Its PEM text (one or more certificates). */
  readonly pem: string
}

/** Options of {@link readCaFile}. */
export interface ReadCaFileOptions {
  /** A relative path is resolved against it (the config file's directory); default: cwd. */
  readonly baseDir?: string
  /** Reads the file (default `fs.readFileSync(path, 'utf8')`); throws when it cannot. */
  readonly readFile?: (path: string) => string | Buffer
}

/**
 * Reads and checks a PEM CA file: it must be readable and hold at least one PEM certificate, each
 * one parseable (its public key is read too, since the `X509Certificate` constructor alone, like
 * TLS's `ca`, accepts some garbage).
 *
 * @param path - the path as configured; relative paths are resolved against `options.baseDir`.
 * @returns the resolved path and the PEM text, or the problem, e.g. `cannot read "/etc/ca.pem": ENOENT: …`,
 *   `"/etc/ca.pem" holds no PEM certificate` or `"/etc/ca.pem" holds an invalid certificate: …`.
 */
export function readCaFile(path: string, options: ReadCaFileOptions = {}): Result<CaFile, string> {
  const resolved = resolve(options.baseDir ?? process.cwd(), path)
  const readFile = options.readFile ?? ((file: string) => readFileSync(file, 'utf8'))
  let pem: string
  try {
    pem = readFile(resolved).toString()
  } catch (error) {
    return err(`cannot read "${resolved}": ${errorMessage(error)}`)
  }
  const blocks = pem.match(PEM_CERTIFICATE) ?? []
  if (blocks.length === 0) return err(`"${resolved}" holds no PEM certificate`)
  for (const block of blocks) {
    try {
      void new X509Certificate(block).publicKey
    } catch (error) {
      return err(`"${resolved}" holds an invalid certificate: ${errorMessage(error)}`)
    }
  }
  return ok({ path: resolved, pem })
}

/**
 * The zod field of a `cert` key: a non-empty string, the path of a PEM CA file (not read here:
 * {@link readCaFile} does, as it involves the file system). Add `.optional()` where it is optional.
 */
export function caFileField() {
  return z
    .string({ error: 'must be a string (the path of a PEM CA file)' })
    .refine((path) => path !== '', 'must not be empty')
}

// --- internal ---

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g
