/**
 * `@polar-oauth/cli` as a library: run the CLI in-process, and reuse its pieces (the dotenv
 * merge, desired-client loading, drift detection, credential formatting).
 */
export { runCli, VERSION } from "./cli.js";
export { type ClientView, clientView } from "./client-view.js";
export { type BootstrapOptions, bootstrap } from "./commands/bootstrap.js";
export { type CheckOptions, check } from "./commands/check.js";
export { type DoctorCheck, type DoctorOptions, doctor } from "./commands/doctor.js";
export { type RotateOptions, rotate } from "./commands/rotate.js";
export {
  CREDENTIAL_FORMATS,
  type CredentialEntries,
  type CredentialFormat,
  type CredentialTarget,
  credentialEntries,
  formatCredentials,
} from "./credentials.js";
export {
  DESIRED_CLIENT_FILE,
  DESIRED_FIELDS,
  type DesiredClient,
  type DesiredClientFlags,
  loadDesiredClient,
} from "./desired-client.js";
export {
  assertWritable,
  CREDENTIAL_FILE_MODE,
  type DotenvFile,
  type DotenvWrite,
  dotenvValue,
  MalformedDotenvError,
  mergeDotenv,
  parseDotenv,
  readDotenvFile,
  writeDotenvFile,
} from "./dotenv-file.js";
export {
  type ClientDiff,
  diffClient,
  type FieldChange,
  formatDiff,
  polarStoredUri,
} from "./drift.js";
export { credentialVariableNames, defaultEnvFile, resolveEnvironment } from "./environment.js";
export { CliError, EXIT, type ExitCode } from "./exit-codes.js";
export { type CliIo, type CliStream, processIo } from "./io.js";
export { Redactor } from "./redact.js";
