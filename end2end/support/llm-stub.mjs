// A scripted OpenAI-compatible chat-completions server for the browser tests: real HTTP,
// replies streamed as SSE. Tests queue replies with POST /script and read what the app sent
// with GET /requests (a request whose client hung up before the reply ended is marked
// `aborted: true`). Reply options: delayMs before answering, chunkDelayMs between chunks.
// `{"repeat": reply}` instead of a list answers every request with that reply (benchmarks).
// An ask sends one greedy request (no `seed`) and, with several candidates, sampled ones (with
// a `seed`) at once. Greedy requests take the scripted list in order; sampled ones take
// `{"replies": [...], "samples": [...]}`'s samples when given, and otherwise the reply the
// greedy request with the same messages got (so candidates agree unless a test says not).
// Usage: node support/llm-stub.mjs PORT
import http from "node:http";

const port = Number(process.argv[2] ?? 0);
let queue = [];
let samples = [];
let repeat = null;
const requests = [];
// Greedy replies by the messages they answered, and sampled requests waiting for one.
const answered = new Map();
const waiting = new Map();

function mirror(key) {
  if (answered.has(key)) return Promise.resolve(answered.get(key));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ status: 500, error: "no greedy request with these messages to mirror" }), 10000);
    const list = waiting.get(key) ?? [];
    list.push((reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
    waiting.set(key, list);
  });
}

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
    repeat = Array.isArray(script) ? null : script.repeat ?? null;
    queue = Array.isArray(script) ? script : script.replies ?? [];
    samples = Array.isArray(script) ? [] : script.samples ?? [];
    answered.clear();
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
    const sampled = record.seed !== undefined;
    // A benchmark sends thousands: keep none. Sampled requests are not the ones tests read.
    if (!repeat && !sampled) requests.push(record);
    res.on("close", () => {
      if (!res.writableEnded) record.aborted = true;
    });
    const key = JSON.stringify(record.messages);
    let reply;
    if (repeat) {
      reply = repeat;
    } else if (sampled) {
      reply = samples.shift() ?? (await mirror(key));
    } else {
      reply = queue.shift() ?? { status: 500, error: "the stub's script is exhausted" };
      answered.set(key, reply);
      for (const wake of waiting.get(key) ?? []) wake(reply);
      waiting.delete(key);
    }
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    if (reply.status) {
      res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: reply.error } }));
      return;
    }
    const content = reply.content ?? JSON.stringify({ sql: reply.sql });
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
