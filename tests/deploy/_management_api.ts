/**
 * A local fake of the Supabase Management API endpoints `supabase functions deploy --use-api`
 * calls (supabase/cli internal/functions/deploy and pkg/function deploy.go, v2.117.0), on
 * http://localhost:8080, where the CLI's `--profile supabase-local` sends them:
 *
 * - `POST /v1/projects/{ref}/functions/deploy?slug=&bundleOnly=true`, a multipart form of a
 *   `metadata` field (entrypoint_path, import_map_path, static_patterns, verify_jwt, name)
 *   and one `file` part per uploaded file, named by its path: 201 with a
 *   DeployFunctionResponse (id, slug, name, version, status, ...);
 * - `PUT /v1/projects/{ref}/functions` (bulk update after several uploads): 200 with a
 *   BulkUpdateFunctionResponse `{functions: [...]}`;
 * - anything else (e.g. the project lookup its telemetry makes): 404 JSON, recorded.
 *
 * Every call needs `Authorization: Bearer <token>` (401 otherwise), as the real API does.
 * Port 8080 is fixed by the CLI profile: {@link startManagementApiFake} takes a machine-wide
 * lock first, so two test runs (other worktrees) take turns, and fails with a clear message
 * when something else holds the port.
 *
 * @module
 */

/** The `metadata` part of an upload (the CLI's FunctionDeployMetadata). */
export interface DeployMetadata {
  entrypoint_path: string;
  import_map_path?: string;
  static_patterns?: string[];
  verify_jwt?: boolean;
  name?: string;
}

/** One captured `functions/deploy` call. */
export interface Upload {
  slug: string;
  bundleOnly: boolean;
  metadata: DeployMetadata;
  /** Uploaded files by the path the CLI named them with (relative to the project). */
  files: Map<string, Uint8Array>;
}

/** A running fake. */
export interface ManagementApiFake {
  /** `http://localhost:8080`, as the CLI profile has it. */
  url: string;
  uploads: Upload[];
  /** Bodies of the bulk updates. */
  bulkUpdates: unknown[];
  /** Every call, as `METHOD /path?query`. */
  calls: string[];
  stop(): Promise<void>;
}

/** The Management API address of the CLI's `supabase-local` profile. */
export const MANAGEMENT_API_PORT = 8080;

/**
 * Takes the machine-wide lock on the port (waiting while another test run holds it); closing
 * the file releases it.
 */
export async function lockManagementApiPort(): Promise<Deno.FsFile> {
  const dir = Deno.env.get("TMPDIR") ?? "/tmp";
  const file = await Deno.open(`${dir}/labor-pulse-management-api-${MANAGEMENT_API_PORT}.lock`, {
    create: true,
    write: true,
  });
  await file.lock(true); // waits while another run holds it
  return file;
}

function listen(hostname: string, handler: Deno.ServeHandler): Deno.HttpServer | null {
  try {
    return Deno.serve({ hostname, port: MANAGEMENT_API_PORT, onListen: () => {} }, handler);
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new Error(
        `Port ${MANAGEMENT_API_PORT} on ${hostname} is taken. The supabase CLI's ` +
          `'--profile supabase-local' sends its Management API calls to ` +
          `http://localhost:${MANAGEMENT_API_PORT} (fixed in the CLI), so the deploy test ` +
          `needs that port: stop whatever listens there and run the test again.`,
      );
    }
    // No IPv6 loopback on this machine: nothing can listen there either.
    if (hostname === "::1") return null;
    throw err;
  }
}

/**
 * Starts the fake for project `projectRef`, accepting `accessToken`. It takes the port's
 * lock first, unless the caller holds it (`lock: false`).
 */
export async function startManagementApiFake(
  projectRef: string,
  accessToken: string,
  opts: { lock?: boolean } = {},
): Promise<ManagementApiFake> {
  const lock = opts.lock === false ? null : await lockManagementApiPort();
  const uploads: Upload[] = [];
  const bulkUpdates: unknown[] = [];
  const calls: string[] = [];
  let version = 0;

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    calls.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.get("authorization") !== `Bearer ${accessToken}`) {
      return Response.json({ message: "Unauthorized" }, { status: 401 });
    }
    const functions = `/v1/projects/${projectRef}/functions`;
    if (req.method === "POST" && url.pathname === `${functions}/deploy`) {
      const slug = url.searchParams.get("slug") ?? "";
      const form = await req.formData();
      const metadataText = form.get("metadata");
      if (!slug || typeof metadataText !== "string") {
        return Response.json({ message: "slug and metadata are required" }, { status: 400 });
      }
      const files = new Map<string, Uint8Array>();
      for (const part of form.getAll("file")) {
        if (part instanceof File) files.set(part.name, new Uint8Array(await part.arrayBuffer()));
      }
      const metadata = JSON.parse(metadataText) as DeployMetadata;
      uploads.push({
        slug,
        bundleOnly: url.searchParams.get("bundleOnly") === "true",
        metadata,
        files,
      });
      const now = Date.now();
      return Response.json({
        id: crypto.randomUUID(),
        slug,
        name: metadata.name ?? slug,
        version: ++version,
        status: "ACTIVE",
        entrypoint_path: metadata.entrypoint_path,
        import_map_path: metadata.import_map_path,
        import_map: Boolean(metadata.import_map_path),
        verify_jwt: metadata.verify_jwt ?? true,
        created_at: now,
        updated_at: now,
      }, { status: 201 });
    }
    if (req.method === "PUT" && url.pathname === functions) {
      const body = await req.json();
      bulkUpdates.push(body);
      return Response.json({ functions: body });
    }
    return Response.json({ message: `No fake for ${req.method} ${url.pathname}` }, { status: 404 });
  };

  const servers: Deno.HttpServer[] = [];
  try {
    servers.push(listen("127.0.0.1", handler)!);
    // "localhost" may resolve to ::1 first: hold that too, so no other server answers there.
    const v6 = listen("::1", handler);
    if (v6) servers.push(v6);
  } catch (err) {
    for (const s of servers) await s.shutdown();
    lock?.close();
    throw err;
  }
  return {
    url: `http://localhost:${MANAGEMENT_API_PORT}`,
    uploads,
    bulkUpdates,
    calls,
    async stop() {
      for (const s of servers) await s.shutdown();
      lock?.close(); // releases the lock
    },
  };
}
