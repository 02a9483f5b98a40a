#!/usr/bin/env node
import { runCli } from "./cli.js";
import { processIo } from "./io.js";

// Entry point of the `polar-oauth` binary: run, then leave with the command's exit code.
process.exitCode = await runCli(process.argv.slice(2), processIo());
