import {
  type Environment,
  polarAcceptsRedirectUri,
  validateRedirectUri,
} from "@polar-oauth/core/setup";

/**
 * When the kit refuses a redirect URI that Polar's server would register (userinfo, http in
 * production, http on a private address the kit does not treat as local, a wildcard), one
 * sentence saying so; undefined when the kit accepts it or Polar would refuse it too.
 */
export function stricterThanPolar(uri: string, environment: Environment): string | undefined {
  const kitAccepts =
    validateRedirectUri(uri, environment).ok && validateRedirectUri(uri, "development").ok;
  // `localhost:3000/cb` parses as scheme "localhost:": a typo, not a choice worth a note.
  const missingScheme = /^[a-z0-9.-]+:\d+(?:[/?#]|$)/i.test(uri);
  if (kitAccepts || missingScheme || !polarAcceptsRedirectUri(uri)) return undefined;
  return "(Polar itself would register it; polar-oauth refuses it on purpose, stricter than the server where safety asks.)";
}

/** Appends the {@link stricterThanPolar} note to the problem line that names `uri` (or adds it). */
export function withPolarNote(problems: string[], uri: string, environment: Environment): void {
  const note = stricterThanPolar(uri, environment);
  if (!note) return;
  const index = problems.findIndex((problem) => problem.includes(uri));
  if (index >= 0) problems[index] = `${problems[index]} ${note}`;
  else problems.push(`${uri}: ${note}`);
}
