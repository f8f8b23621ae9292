// The MCP server driven by the official TypeScript MCP client over both transports: the same
// guard, tokens, scopes and audit as people get. No browser page: MCP clients are programs.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { APIRequestContext } from "@playwright/test";
import { test, expect, openHydrated } from "./fixtures";

const stub = process.env.E2E_LLM_STUB ?? "http://127.0.0.1:8091";
const database = process.env.E2E_PG_DATABASE ?? "databaseai_e2e";

type ToolResult = { isError?: boolean; content: { type: string; text: string }[] };

/** A client connected to /mcp with this bearer token. */
async function connect(baseURL: string, secret: string): Promise<Client> {
  const client = new Client({ name: "e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", baseURL), {
    requestInit: { headers: { authorization: `Bearer ${secret}` } },
  });
  await client.connect(transport);
  return client;
}

/** Calls a tool; returns its JSON payload and whether it is an error. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as ToolResult;
  return { isError: result.isError === true, body: JSON.parse(result.content[0].text) };
}

async function makeToken(api: APIRequestContext, data: object): Promise<{ secret: string; id: string }> {
  const r = await api.post("/api/v1/tokens", { data });
  expect(r.status(), await r.text()).toBe(201);
  const created = await r.json();
  return { secret: created.secret, id: created.token.id };
}

async function datasourceId(api: APIRequestContext, name: string): Promise<string> {
  const list = await (await api.get("/api/v1/datasources")).json();
  return list.find((d: { name: string }) => d.name === name).id;
}

test("an agent works through MCP with its token's scopes and datasources, and every call is audited", async ({ page, playwright, baseURL }) => {
  const admin = page.request;
  const demo = await datasourceId(admin, "Demo shop");
  // A datasource only admins see: an analyst's token must not reach it.
  const made = await admin.post("/api/v1/datasources", {
    data: { name: "MCP private", engine: "postgres", host: "127.0.0.1", port: 5432, database, user: "postgres", sslmode: "disable" },
  });
  expect(made.status(), await made.text()).toBe(201);
  const secretDs = (await made.json()).id;

  const agent = await makeToken(admin, { name: "mcp-agent", scopes: ["schema", "sql", "ask"] });
  const client = await connect(baseURL!, agent.secret);
  const tools = (await client.listTools()).tools.map((t) => t.name).sort();
  expect(tools).toEqual(["ask", "describe_schema", "explain_sql", "list_datasources", "list_verified_answers", "run_sql"]);
  for (const t of (await client.listTools()).tools) expect(t.description!.length, t.name).toBeGreaterThan(60);

  const listed = await call(client, "list_datasources");
  expect(listed.body.datasources.map((d: { name: string }) => d.name).sort()).toEqual(["Demo shop", "MCP private"]);

  const schema = await call(client, "describe_schema", { datasource_id: demo, search: "customer" });
  expect(schema.isError).toBe(false);
  const customers = schema.body.tables.find((t: { name: string }) => t.name === "customers");
  expect(customers.columns.map((c: { name: string }) => c.name)).toContain("first_name");
  expect(schema.body.tables.length).toBeLessThan(schema.body.total_tables);

  const rows = await call(client, "run_sql", { datasource_id: demo, sql: "SELECT id, first_name FROM customers ORDER BY id", max_rows: 3 });
  expect(rows.isError).toBe(false);
  expect(rows.body.rows.length).toBe(3);
  expect(rows.body.truncated).toBe(true);
  expect(rows.body.note).toContain("first 3 rows");

  const plan = await call(client, "explain_sql", { datasource_id: demo, sql: "SELECT * FROM orders WHERE id = 1" });
  expect(plan.isError).toBe(false);
  expect(JSON.stringify(plan.body.rows).length).toBeGreaterThan(10);

  const write = await call(client, "run_sql", { datasource_id: demo, sql: "DELETE FROM customers" });
  expect(write.isError).toBe(true);
  expect(write.body.error.code).toBe("sql_rejected");
  expect(write.body.error.message).toMatch(/DELETE|read|not allowed/i);
  const sneaky = await call(client, "explain_sql", { datasource_id: demo, sql: "SELECT 1; DROP TABLE customers" });
  expect(sneaky.isError).toBe(true);
  expect((await call(client, "run_sql", { datasource_id: demo, sql: "SELECT count(*) AS n FROM customers" })).body.rows[0][0]).toBeGreaterThan(0);

  await fetch(`${stub}/script`, { method: "POST", body: JSON.stringify([{ sql: "SELECT count(*) AS n FROM customers" }]) });
  const answer = await call(client, "ask", { datasource_id: demo, question: "How many customers are there?" });
  expect(answer.isError, JSON.stringify(answer.body)).toBe(false);
  expect(answer.body.sql).toMatch(/count/i);
  expect(answer.body.result.rows[0][0]).toBeGreaterThan(0);
  expect(answer.body.conversation_id).toBeTruthy();
  expect(["high", "medium", "low"]).toContain(answer.body.confidence);

  const question = "How many orders does each status have?";
  const saved = await admin.post(`/api/v1/datasources/${demo}/verified`, {
    data: { question, sql: "SELECT status, count(*) AS n FROM orders GROUP BY status", shared: true },
  });
  expect(saved.status(), await saved.text()).toBe(201);
  const verified = await call(client, "list_verified_answers", { datasource_id: demo });
  const pair = verified.body.verified_answers.find((v: { question: string }) => v.question === question);
  expect(pair.sql).toContain("GROUP BY status");
  expect((await admin.delete(`/api/v1/verified/${(await saved.json()).id}`)).status()).toBe(204);
  const resources = (await client.listResources()).resources.map((r) => r.uri);
  expect(resources).toContain(`databaseai://datasources/${demo}/schema`);
  const resource = await client.readResource({ uri: `databaseai://datasources/${demo}/schema` });
  expect(JSON.parse((resource.contents[0] as { text: string }).text).tables.length).toBeGreaterThan(3);

  // Bad input, and the server stays up. An unknown tool is a JSON-RPC error (-32602); arguments
  // of the wrong shape are a tool error the model can correct (MCP 2025-11-25, SEP-1303).
  await expect(client.callTool({ name: "drop_everything", arguments: {} })).rejects.toThrow(/-32602.*tool not found/);
  const wrongTypes = (await client.callTool({ name: "run_sql", arguments: { datasource_id: 5, sql: ["SELECT 1"] } })) as ToolResult;
  expect(wrongTypes.isError).toBe(true);
  expect(wrongTypes.content[0].text).toContain("invalid type: integer `5`, expected a string");
  const extra = (await client.callTool({ name: "run_sql", arguments: { datasource_id: demo, sql: "SELECT 1", extra: true } })) as ToolResult;
  expect(extra.content[0].text).toContain("unknown field `extra`");
  const long = await call(client, "ask", { datasource_id: demo, question: "why ".repeat(6000) });
  expect(long.isError).toBe(true);
  expect(long.body.error.message).toContain("longer than");
  await expect(client.callTool({ name: "run_sql", arguments: { datasource_id: demo, sql: "SELECT 1 -- " + "x".repeat(3_000_000) } })).rejects.toThrow();
  expect((await fetch(new URL("/api/v1/health", baseURL)).then((r) => r.json())).status).toBe("ok");
  expect((await call(client, "run_sql", { datasource_id: demo, sql: "SELECT 1 AS one" })).body.rows).toEqual([[1]]);
  await client.close();

  // A token for schemas of one datasource: no SQL, no other datasource.
  const narrow = await makeToken(admin, { name: "schema-only", scopes: ["schema"], datasource_ids: [demo] });
  const reader = await connect(baseURL!, narrow.secret);
  expect((await call(reader, "list_datasources")).body.datasources.map((d: { id: string }) => d.id)).toEqual([demo]);
  const noSql = await call(reader, "run_sql", { datasource_id: demo, sql: "SELECT 1" });
  expect(noSql.isError).toBe(true);
  expect(noSql.body.error.message).toContain("sql scope");
  const elsewhere = await call(reader, "describe_schema", { datasource_id: secretDs });
  expect(elsewhere.isError).toBe(true);
  expect(elsewhere.body.error.code).toBe("not_found");
  // The same limits hold on the HTTP API.
  const bearer = { authorization: `Bearer ${narrow.secret}` };
  expect((await fetch(new URL(`/api/v1/datasources/${demo}/sql`, baseURL), { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify({ sql: "SELECT 1" }) })).status).toBe(403);
  expect((await fetch(new URL(`/api/v1/datasources/${secretDs}/schema`, baseURL), { headers: bearer })).status).toBe(404);
  expect((await fetch(new URL("/api/v1/tokens", baseURL), { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify({ name: "wider" }) })).status).toBe(403);
  await reader.close();

  // A revoked token is refused at connect.
  expect((await admin.delete(`/api/v1/tokens/${narrow.id}`)).status()).toBe(204);
  await expect(connect(baseURL!, narrow.secret)).rejects.toThrow(/"unauthenticated"/);
  await expect(connect(baseURL!, "dbai_forged")).rejects.toThrow(/"unauthenticated"/);

  // An analyst's token sees what the analyst sees: the shared demo, not the private datasource.
  expect((await admin.post("/api/v1/users", { data: { username: "mia", password: "mia-password-1", role: "analyst" } })).status()).toBe(201);
  const mia = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  expect((await mia.post("/api/v1/auth/login", { data: { username: "mia", password: "mia-password-1" } })).status()).toBe(200);
  const miaToken = await makeToken(mia, { name: "mia-agent", scopes: ["schema", "sql"] });
  await mia.dispose();
  const analyst = await connect(baseURL!, miaToken.secret);
  expect((await call(analyst, "list_datasources")).body.datasources.map((d: { name: string }) => d.name)).toEqual(["Demo shop"]);
  expect((await call(analyst, "run_sql", { datasource_id: secretDs, sql: "SELECT 1" })).body.error.code).toBe("not_found");
  expect((await call(analyst, "ask", { datasource_id: demo, question: "How many customers?" })).body.error.message).toContain("ask scope");
  // An agent in a loop meets the per-user limit on tool calls (120 a minute) and is told so.
  let limited = null;
  for (let i = 0; i < 130 && !limited; i++) {
    const r = await call(analyst, "list_datasources");
    if (r.isError) limited = { at: i, error: r.body.error };
  }
  expect(limited?.error.code).toBe("rate_limited");
  expect(limited!.at).toBeGreaterThan(100);
  await analyst.close();

  // The audit log names each token and what happened.
  const audit = await (await admin.get("/api/v1/audit?action=mcp_tool&limit=200")).json();
  const line = (detail: RegExp, status: string) => audit.find((e: { detail: string; status: string }) => detail.test(e.detail) && e.status === status);
  expect(line(/^run_sql via token "mcp-agent"$/, "ok")).toBeTruthy();
  expect(line(/^run_sql via token "mcp-agent": .*/, "denied")?.question).toBe("DELETE FROM customers");
  expect(line(/^ask via token "mcp-agent"$/, "ok")?.question).toBe("How many customers are there?");
  expect(line(/^run_sql via token "schema-only": .*sql scope/, "denied")).toBeTruthy();
  expect(line(/^describe_schema via token "schema-only": .*not found/, "denied")).toBeTruthy();
  expect(line(/^ask via token "mia-agent": .*ask scope/, "denied")?.username).toBe("mia");
  // The SQL the tools ran is in the audit log as SQL, as for people.
  const sql = await (await admin.get("/api/v1/audit?action=sql&limit=200")).json();
  expect(sql.some((e: { sql: string }) => e.sql === "SELECT id, first_name FROM customers ORDER BY id")).toBe(true);
});

test("a desktop client reaches the same tools over stdio with a token", async ({ page }) => {
  const bin = process.env.E2E_APP_BIN_PATH;
  const dataDir = process.env.E2E_DATA_DIR;
  test.skip(!bin || !dataDir, "scripts/e2e passes the app binary and its data directory");
  const demo = await datasourceId(page.request, "Demo shop");
  const token = await makeToken(page.request, { name: "desktop", scopes: ["schema", "sql"], datasource_ids: [demo] });
  const client = new Client({ name: "e2e-desktop", version: "1.0.0" });
  const transport = new StdioClientTransport({
    command: bin!,
    args: ["--data-dir", dataDir!, "--no-demo", "mcp"],
    env: { DATABASEAI_TOKEN: token.secret, PATH: process.env.PATH ?? "", RUST_LOG: "warn" },
    stderr: "pipe",
  });
  await client.connect(transport);
  expect((await client.listTools()).tools.length).toBe(6);
  const rows = await call(client, "run_sql", { datasource_id: demo, sql: "SELECT count(*) AS n FROM orders" });
  expect(rows.isError, JSON.stringify(rows.body)).toBe(false);
  expect(rows.body.rows[0][0]).toBeGreaterThan(0);
  const write = await call(client, "run_sql", { datasource_id: demo, sql: "UPDATE orders SET status = 'x'" });
  expect(write.body.error.code).toBe("sql_rejected");
  expect((await call(client, "ask", { datasource_id: demo, question: "How many orders?" })).body.error.message).toContain("ask scope");
  await client.close();
  const audit = await (await page.request.get("/api/v1/audit?action=mcp_tool&limit=50")).json();
  expect(audit.some((e: { detail: string; status: string }) => e.detail === 'run_sql via token "desktop"' && e.status === "ok")).toBe(true);
});

test("the Account page makes a token for chosen scopes and datasources, and refuses an empty choice", async ({ page, consoleProblems }) => {
  await openHydrated(page, "/account");
  const form = page.locator("form.token-form");
  await form.getByLabel("Name").fill("Claude Desktop");
  // Nothing it may do: refused next to the choice, nothing made.
  for (const scope of ["schema", "sql", "ask"]) await form.locator(`input[name=scope][value=${scope}]`).uncheck();
  await form.getByRole("button", { name: "Create token" }).click();
  await expect(form.locator("fieldset.token-scopes")).toHaveAttribute("aria-invalid", "true");
  await expect(form).toContainText("Choose at least one thing the token may do.");
  await expect(page.getByTestId("new-token")).toHaveCount(0);

  await form.locator("input[name=scope][value=schema]").check();
  await form.locator("input[name=scope][value=ask]").check();
  await form.getByLabel("only these:").check();
  await form.getByRole("checkbox", { name: "Demo shop" }).check();
  await form.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByTestId("new-token")).toHaveText(/^dbai_/);
  const row = page.getByTestId("tokens").locator("tr", { hasText: "Claude Desktop" });
  await expect(row.locator("td").nth(1)).toHaveText("schema, ask");
  await expect(row.locator("td").nth(2)).toHaveText("Demo shop");
  await page.screenshot({ path: "test-results/account-tokens.png", fullPage: true });
});
