import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * Signed bundles: with a signing key, a client signs the task bundle and the manifest of each run
 * (HMAC-SHA256, hex, in the run's metadata) and a worker with the same key refuses a run whose
 * bundle or manifest is unsigned or signed with another key. Write access to Redis alone is then
 * not enough to make workers run code. Keys never appear in a message.
 */

/** Environment variable holding the signing key (clients, dag-worker, dag-gateway and its workers). */
export const SIGNING_KEY_ENV = "TASKLOOM_SIGNING_KEY";

/** The key in `TASKLOOM_SIGNING_KEY`, or undefined when it is unset or empty. */
export function signingKeyFromEnv(): Buffer | undefined {
  const text = process.env[SIGNING_KEY_ENV];
  return text ? Buffer.from(text, "utf8") : undefined;
}

/** The key in a file (`--signing-key-file`): its bytes without trailing whitespace; throws when empty. */
export function readSigningKeyFile(path: string): Buffer {
  const key = Buffer.from(readFileSync(path, "utf8").replace(/\s+$/, ""), "utf8");
  if (key.byteLength === 0) throw new Error(`the signing key file ${path} is empty`);
  return key;
}

/** What is signed: the bundle's bytes, or the manifest's JSON (domain-separated so one never passes for the other). */
export type SignedKind = "bundle" | "manifest";

/** HMAC-SHA256 (hex) of `data` as a `kind`, with `key`. */
export function signBlob(key: Uint8Array, kind: SignedKind, data: Uint8Array | string): string {
  return createHmac("sha256", key).update(`taskloom-${kind}-v1\n`).update(data).digest("hex");
}

/** Checks `signature` (hex, "" when unsigned) of `data`: `ok`, `unsigned`, or `mismatch` (another key, or altered data). */
export function verifyBlob(key: Uint8Array, kind: SignedKind, data: Uint8Array | string, signature: string): "ok" | "unsigned" | "mismatch" {
  if (signature === "") return "unsigned";
  const expected = Buffer.from(signBlob(key, kind, data), "hex");
  const got = Buffer.from(signature, "hex");
  return got.byteLength === expected.byteLength && timingSafeEqual(got, expected) ? "ok" : "mismatch";
}
