/**
 * The load generator, run as its own process (pinned apart from the server by the parent):
 * `cannon.ts '<json options>'` runs autocannon once and sends the summary back over IPC.
 */
import autocannon from "autocannon";

/** What the parent asks for. */
export interface CannonOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  /** Exact body every response must have (a mismatch means the request was not served as intended). */
  expectBody?: string;
}

/** What comes back. */
export interface CannonResult {
  requestsPerSecond: number;
  totalRequests: number;
  p99Ms: number;
  p50Ms: number;
  durationSeconds: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  mismatches: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as CannonOptions;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.durationSeconds,
  headers: options.headers,
  expectBody: options.expectBody,
});
const summary: CannonResult = {
  requestsPerSecond: result.requests.total / result.duration,
  totalRequests: result.requests.total,
  p99Ms: result.latency.p99,
  p50Ms: result.latency.p50,
  durationSeconds: result.duration,
  statuses: {
    "1xx": result["1xx"],
    "2xx": result["2xx"],
    "3xx": result["3xx"],
    "4xx": result["4xx"],
    "5xx": result["5xx"],
  },
  errors: result.errors,
  timeouts: result.timeouts,
  mismatches: result.mismatches,
};
if (process.send) process.send({ type: "cannon", ...summary }, () => process.exit(0));
else console.log(JSON.stringify(summary));
