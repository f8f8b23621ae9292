// A scripted OpenAI-compatible chat-completions server for the browser tests: real HTTP,
// replies streamed as SSE. Tests queue replies with POST /script and read what the app sent
// with GET /requests (a request whose client hung up before the reply ended is marked
// `aborted: true`). Reply options: delayMs before answering, chunkDelayMs between chunks.
// `{"repeat": reply}` instead of a list answers every request with that reply (benchmarks).
// Usage: node support/llm-stub.mjs PORT
import http from "node:http";

const port = Number(process.argv[2] ?? 0);
let queue = [];
let repeat = null;
const requests = [];

function readBody(req) {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => resolve(data));
  });
}

const server = http.createServer(async (req, res) => {
  const body = await readBody(req);
  if (req.method === "POST" && req.url === "/script") {
    const script = JSON.parse(body);
    repeat = Array.isArray(script) ? null : script.repeat;
    queue = Array.isArray(script) ? script : [];
    requests.length = 0;
    res.writeHead(204).end();
    return;
  }
  if (req.method === "GET" && req.url === "/requests") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(requests));
    return;
  }
  if (req.method === "POST" && req.url === "/v1/chat/completions") {
    const record = JSON.parse(body);
    // A benchmark sends thousands: keep none.
    if (!repeat) requests.push(record);
    res.on("close", () => {
      if (!res.writableEnded) record.aborted = true;
    });
    const reply = queue.shift() ?? repeat ?? { status: 500, error: "the stub's script is exhausted" };
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    if (reply.status) {
      res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: reply.error } }));
      return;
    }
    const content = reply.content ?? JSON.stringify({ sql: reply.sql, explanation: reply.explanation ?? "" });
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (let i = 0; i < content.length; i += 8) {
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: content.slice(i, i + 8) } }] })}\n\n`);
      if ((reply.chunkDelayMs ?? 5) > 0) await new Promise((r) => setTimeout(r, reply.chunkDelayMs ?? 5));
      if (res.destroyed) return;
    }
    res.end("data: [DONE]\n\n");
    return;
  }
  res.writeHead(404).end();
});

server.listen(port, "127.0.0.1", () => console.log(`llm stub on http://127.0.0.1:${server.address().port}/v1`));
