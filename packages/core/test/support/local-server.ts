import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the local server received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/oauth2/?page=1&limit=100`. */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
}

/** What a route answers: status, optional headers, and a body (objects are sent as JSON). */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Returns the answer to send, or "hang" to never answer (timeouts). */
export type Handler = (request: RecordedRequest) => Answer | "hang" | Promise<Answer | "hang">;

/** A real HTTP server on 127.0.0.1 and a random port, recording every request it gets. */
export interface LocalServer {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:53211`. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a real `node:http` server that answers with `handler`. Close it in `afterEach`. */
export async function startLocalServer(handler: Handler): Promise<LocalServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body,
        json: parseJson(body),
      };
      requests.push(recorded);
      const answer = await handler(recorded);
      if (answer === "hang") return;
      const headers: Record<string, string> = { ...answer.headers };
      let payload = "";
      if (typeof answer.body === "string") {
        payload = answer.body;
      } else if (answer.body !== undefined) {
        payload = JSON.stringify(answer.body);
        headers["content-type"] ??= "application/json";
      }
      res.writeHead(answer.status, headers);
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (connection refused). */
export async function unusedLocalUrl(): Promise<string> {
  const server = await startLocalServer(() => ({ status: 204 }));
  await server.close();
  return server.url;
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
