/**
 * NODE_EXTRA_CA_CERTS, read when the first TLS connection needs it instead of
 * at process start.
 *
 * Node 20 reads and parses the NODE_EXTRA_CA_CERTS file while it boots, before
 * the first line of the kernel runs: with a system bundle of ~140 certificates
 * that is 50-70 ms of a ~110 ms boot on our machines, and it pushes the kernel's
 * bind past jupyter_client's first 100 ms reconnect. So whoever starts a kernel
 * (the kernelspec's argv, `launchKernel`) moves the variable to
 * TENSORCELL_EXTRA_CA_CERTS, and the kernel puts it back before the first cell
 * runs: into `process.env` (child processes inherit it as usual) and into
 * `tls.createSecureContext`, so `fetch`, `https` and every other TLS client in
 * the process trust the extra certificates exactly as Node would have.
 */
import { readFileSync } from "node:fs";
import tls from "node:tls";

/** Where a starter parks NODE_EXTRA_CA_CERTS for the kernel to restore. */
export const DEFERRED_CA_CERTS_VARIABLE = "TENSORCELL_EXTRA_CA_CERTS";

/**
 * A POSIX shell prefix for kernel.json's argv that parks NODE_EXTRA_CA_CERTS and
 * then execs the real command (so the kernel keeps the pid Jupyter signals).
 * Usage: `[...deferringShellPrefix, node, cli, ...]`.
 */
export const deferringShellPrefix: readonly string[] = [
  "/bin/sh",
  "-c",
  `if [ -n "\${NODE_EXTRA_CA_CERTS:-}" ]; then ${DEFERRED_CA_CERTS_VARIABLE}=$NODE_EXTRA_CA_CERTS; ` +
    `export ${DEFERRED_CA_CERTS_VARIABLE}; unset NODE_EXTRA_CA_CERTS; fi; exec "$0" "$@"`,
];

/** The environment for a kernel process: `env` with NODE_EXTRA_CA_CERTS parked (a copy; `env` is unchanged). */
export function deferExtraCaCerts(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return { ...env };
  const { NODE_EXTRA_CA_CERTS: _, ...rest } = env;
  return { ...rest, [DEFERRED_CA_CERTS_VARIABLE]: file };
}

// The options of tls.createSecureContext that shape the context (Node 20's
// configSecureContext and createSecureContext). A call that sets none of them
// gets one shared context: building one with ~140 extra certificates takes
// ~70 ms, too much for every connection.
const CONTEXT_OPTIONS = [
  "allowPartialTrustChain", "ca", "cert", "ciphers", "clientCertEngine", "crl", "dhparam", "ecdhCurve",
  "honorCipherOrder", "key", "maxVersion", "minVersion", "passphrase", "pfx", "privateKeyEngine",
  "privateKeyIdentifier", "secureOptions", "secureProtocol", "sessionIdContext", "sessionTimeout", "sigalgs", "ticketKeys",
] as const;

let restored = false;

/**
 * Puts a parked NODE_EXTRA_CA_CERTS back (see the module comment); a no-op when
 * nothing was parked. The file is read at the first TLS connection; if it cannot
 * be read, `warn` gets one line and the connection uses Node's own roots, as
 * Node itself does with an unreadable file.
 */
export function restoreExtraCaCerts(warn: (line: string) => void, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[DEFERRED_CA_CERTS_VARIABLE];
  if (!file || restored) return;
  restored = true;
  delete env[DEFERRED_CA_CERTS_VARIABLE];
  env.NODE_EXTRA_CA_CERTS = file;

  const create = tls.createSecureContext;
  let roots: string[] | null | undefined;
  const shared = new Map<string, tls.SecureContext>();
  const withExtraRoots = (): string[] | null => {
    if (roots !== undefined) return roots;
    try {
      roots = [...tls.rootCertificates, readFileSync(file, "utf8")];
    } catch (error) {
      warn(`Ignoring extra certs from \`${file}\`, load failed: ${(error as Error).message}`);
      roots = null;
    }
    return roots;
  };
  tls.createSecureContext = function createSecureContextWithExtraRoots(options?: tls.SecureContextOptions) {
    if (options?.ca !== undefined) return create(options);
    const ca = withExtraRoots();
    if (!ca) return create(options);
    const record = (options ?? {}) as Record<string, unknown>;
    if (CONTEXT_OPTIONS.some((name) => record[name] !== undefined)) return create({ ...options, ca });
    // The defaults a context takes when an option is left out can be changed at run time.
    const key = [tls.DEFAULT_MIN_VERSION, tls.DEFAULT_MAX_VERSION, tls.DEFAULT_CIPHERS, tls.DEFAULT_ECDH_CURVE].join("\n");
    let context = shared.get(key);
    if (!context) shared.set(key, (context = create({ ca })));
    return context;
  };
}
